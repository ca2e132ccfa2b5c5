import { evaluateFilterExpression, FilterExpressionError } from './filter-expression';
import { interpolate } from './interpolate';
import { expandJob, type ExpandedJob } from './jobs';
import { expandMarkerJob, jobTypeOf } from './job-types';
import { evaluateLogic } from './logic';
import { budgetOf } from './limits';
import { matrixInstances } from './matrix';
import { RESERVED_JOB_PARAMETERS } from './parameters';
import type { BranchTagFilter, JobFilters, JobType, RequiredStatus, RequiresEntry, SchedulePlan, SourcePosition } from './plan';
import type { Problems } from './problems';
import { resolveDefinition, visibleNames, type Scope } from './scope';
import { expandSteps } from './steps';
import { suggestion } from './suggest';
import { resolveRequires } from './requires';

export interface ExpandedWorkflowJob {
  name: string;
  /** The `jobs:` entry it invokes (`build`, `node/test`); for approvals the entry key. */
  ref: string;
  type: JobType;
  requires: RequiresEntry[];
  contexts: string[];
  filters?: JobFilters;
  serialGroup?: string;
  maxAutoReruns?: number;
  /** Keys of the entry that `config process` keeps (requires, context, filters, type, ...). */
  entry: Record<string, unknown>;
  job?: ExpandedJob;
  position?: SourcePosition;
}

export interface ExpandedWorkflow {
  name: string;
  jobs: ExpandedWorkflowJob[];
  schedules: SchedulePlan[];
  triggers?: unknown;
  position?: SourcePosition;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const strings = (v: unknown): string[] => (v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map(String));
const KEPT_ENTRY_KEYS = ['context', 'filters', 'type', 'serial-group', 'max_auto_reruns', 'auto_rerun_delay'];

interface Pending {
  job: ExpandedWorkflowJob;
  explicitName: boolean;
  baseName: string;
  aliases: string[];
  rawRequires: unknown;
  cfg: Record<string, unknown>;
  node: unknown;
}

/** Reads `filters:` into plan form (`only`/`ignore` lists). */
export function readFilters(v: unknown): JobFilters | undefined {
  if (typeof v === 'string') return { expression: v };
  if (!isMap(v)) return undefined;
  const one = (f: unknown): BranchTagFilter | undefined => {
    if (!isMap(f)) return undefined;
    const out: BranchTagFilter = {};
    if (f.only !== undefined) out.only = strings(f.only);
    if (f.ignore !== undefined) out.ignore = strings(f.ignore);
    return out;
  };
  const out: JobFilters = {};
  const b = one(v.branches);
  const t = one(v.tags);
  if (b) out.branches = b;
  if (t) out.tags = t;
  return out;
}

/** Expands one workflow: matrices, names, requires, job bodies. Returns undefined when `when`/`unless` exclude it. */
export function expandWorkflow(name: string, wf: unknown, root: Scope, problems: Problems): ExpandedWorkflow | undefined {
  if (!isMap(wf)) {
    problems.add(`Workflow "${name}" must be a map with \`jobs\`.`, { node: wf });
    return undefined;
  }
  if ('when' in wf && !evaluateLogic(wf.when, problems, wf, 'when')) return undefined;
  if ('unless' in wf && evaluateLogic(wf.unless, problems, wf, 'unless')) return undefined;
  const schedules: SchedulePlan[] = [];
  for (const t of Array.isArray(wf.triggers) ? wf.triggers : []) {
    const s = isMap(t) && isMap(t.schedule) ? t.schedule : undefined;
    if (!s || typeof s.cron !== 'string') {
      problems.add(`Triggers of workflow "${name}" must be \`- schedule: { cron, filters }\`.`, { node: wf, key: 'triggers' });
      continue;
    }
    schedules.push({ cron: s.cron, filters: readFilters(s.filters) ?? {} });
  }
  if (!Array.isArray(wf.jobs)) {
    problems.add(`Workflow "${name}" needs a \`jobs\` list.`, { node: wf, key: 'jobs', hint: 'Add `jobs:` with at least one job.' });
    return { name, jobs: [], schedules, triggers: wf.triggers, position: problems.position(wf) };
  }
  const pending: Pending[] = [];
  wf.jobs.forEach((entry, index) => {
    const ref = typeof entry === 'string' ? entry : isMap(entry) && Object.keys(entry).length === 1 ? Object.keys(entry)[0] : undefined;
    if (!ref) {
      problems.add(`Workflow "${name}" job entry ${index + 1} must be a job name or a map with one job name.`, { node: wf.jobs, key: index });
      return;
    }
    const rawCfg = isMap(entry) ? entry[ref] : undefined;
    const cfg0 = isMap(rawCfg) ? rawCfg : {};
    const node = isMap(rawCfg) ? rawCfg : wf.jobs;
    const instances = cfg0.matrix !== undefined ? matrixInstances(cfg0.matrix, `job "${ref}" in workflow "${name}"`, problems) : [undefined];
    const alias = isMap(cfg0.matrix) && typeof cfg0.matrix.alias === 'string' ? cfg0.matrix.alias : ref;
    for (const inst of instances) {
      const cfg = inst
        ? (interpolate(cfg0, { matrix: inst.values, owner: `job "${ref}" in workflow "${name}"` }, problems, root.map, ['matrix']) as Record<string, unknown>)
        : cfg0;
      const explicit = typeof cfg.name === 'string';
      const nameHasMatrix = typeof cfg0.name === 'string' && /<<\s*matrix\./.test(cfg0.name);
      const base = explicit ? String(cfg.name) : ref;
      const finalName = inst && !nameHasMatrix ? `${base}-${inst.suffix}` : base;
      const args: Record<string, unknown> = { ...cfg };
      delete args.matrix;
      if (inst) Object.assign(args, inst.values);
      const entryOut: Record<string, unknown> = {};
      for (const k of KEPT_ENTRY_KEYS) if (cfg[k] !== undefined) entryOut[k] = cfg[k];
      const job: ExpandedWorkflowJob = {
        name: finalName,
        ref,
        type: cfg.type === 'approval' ? 'approval' : 'build',
        requires: [],
        contexts: strings(cfg.context),
        entry: entryOut,
        position: problems.position(wf.jobs, index),
      };
      checkEntryType(cfg, node, problems);
      const filters = readFilters(cfg.filters);
      if (filters) job.filters = filters;
      if (filters?.expression !== undefined) checkExpression(filters.expression, problems, node);
      if (cfg['serial-group'] !== undefined) job.serialGroup = String(cfg['serial-group']);
      if (typeof cfg.max_auto_reruns === 'number') job.maxAutoReruns = cfg.max_auto_reruns;
      attachJob(job, ref, args, node, cfg, root, problems, name);
      pending.push({
        job,
        explicitName: explicit || !!inst,
        baseName: base,
        aliases: inst ? [alias, ...(explicit && !nameHasMatrix ? [base] : [])] : [],
        rawRequires: cfg.requires,
        cfg,
        node,
      });
    }
  });
  nameJobs(pending, name, problems);
  resolveRequires(pending, name, problems);
  return { name, jobs: pending.map((p) => p.job), schedules, triggers: wf.triggers, position: problems.position(wf) };
}

function attachJob(
  job: ExpandedWorkflowJob,
  ref: string,
  args: Record<string, unknown>,
  node: unknown,
  cfg: Record<string, unknown>,
  root: Scope,
  problems: Problems,
  wfName: string,
): void {
  // An approval job runs nothing, even when a job of the same name is defined: CircleCI accepts that and leaves
  // the defined job out of the processed config (the docs advise against it, the compiler does not reject it).
  if (job.type === 'approval') return;
  const def = overrideOf(cfg, node, root, problems) ?? resolveDefinition(root, 'jobs', ref);
  if (!def) {
    problems.add(`Job "${ref}" in workflow "${wfName}" is not defined.`, {
      pos: job.position ? { line: job.position.line, column: job.position.column } : undefined,
      node,
      hint: `${suggestion(ref, visibleNames(root, 'jobs'), 'jobs')} Define it under \`jobs:\`, import the orb that provides it, or add \`type: approval\`.`,
    });
    return;
  }
  const jobArgs = Object.fromEntries(Object.entries(args).filter(([k]) => !RESERVED_JOB_PARAMETERS.includes(k)));
  const type = jobTypeOf(def, problems);
  if (type !== 'build') {
    job.type = type;
    if (type === 'approval') job.entry.type = 'approval';
    else job.job = expandMarkerJob(type, def, jobArgs, node, problems);
    return;
  }
  const owner = `job "${job.name}" in workflow "${wfName}"`;
  budgetOf(problems).beginJob(owner);
  const pre = cfg['pre-steps'] !== undefined ? expandSteps(cfg['pre-steps'], root, { problems, owner }) : undefined;
  const post = cfg['post-steps'] !== undefined ? expandSteps(cfg['post-steps'], root, { problems, owner }) : undefined;
  job.job = expandJob(def, jobArgs, node, root, problems, { pre, post });
}

/**
 * `override-with: orb/job` (configuration reference): the entry runs that orb job instead of its own, when the
 * orb defines it; when it does not, the entry's own job is used.
 */
function overrideOf(cfg: Record<string, unknown>, node: unknown, root: Scope, problems: Problems) {
  const target = cfg['override-with'];
  if (target === undefined) return undefined;
  const orb = typeof target === 'string' && /^[^/\s]+\/\S+$/.test(target) ? target.slice(0, target.indexOf('/')) : undefined;
  if (!orb || !root.orbs.has(orb)) {
    const hint = `Name a job of an orb this config imports, e.g. \`override-with: ${[...root.orbs.keys()][0] ?? 'my-orb'}/test\`.`;
    problems.add(`\`override-with\` must name an orb job (\`orb/job\`) of an imported orb; got ${JSON.stringify(target)}.`, {
      node,
      key: 'override-with',
      hint,
    });
    return undefined;
  }
  return resolveDefinition(root, 'jobs', target as string);
}

/** Only `approval` may be set as `type` on a workflow's job entry (the other types belong to the job's definition). */
function checkEntryType(cfg: Record<string, unknown>, node: unknown, problems: Problems): void {
  const type = cfg.type;
  if (type === undefined || type === 'approval' || type === 'build') return;
  problems.add(`A workflow job entry can only set \`type: approval\`; got \`type: ${String(type)}\`.`, {
    node,
    key: 'type',
    hint: `Set \`type: ${String(type)}\` on the job under \`jobs:\` instead.`,
  });
}

function checkExpression(expr: string, problems: Problems, node: unknown): void {
  try {
    evaluateFilterExpression(expr, {});
  } catch (err) {
    if (err instanceof FilterExpressionError)
      problems.add(`Invalid filter expression: ${err.message}`, { node, key: 'filters', hint: 'Write e.g. `filters: pipeline.git.branch == "main"`.' });
    else throw err;
  }
}

/** Auto-suffixes repeated unnamed invocations (`build-1`, `build-2`) and rejects duplicate explicit names. */
function nameJobs(pending: Pending[], wfName: string, problems: Problems): void {
  const byName = new Map<string, Pending[]>();
  for (const p of pending) byName.set(p.job.name, [...(byName.get(p.job.name) ?? []), p]);
  for (const [n, group] of byName) {
    if (group.length < 2) continue;
    if (group.some((p) => p.explicitName)) {
      const dup = group[1];
      problems.add(`Duplicate job name "${n}" in workflow "${wfName}".`, {
        pos: dup.job.position ? { line: dup.job.position.line, column: dup.job.position.column } : undefined,
        node: dup.node,
        hint: 'Give each invocation a unique `name:`.',
      });
      continue;
    }
    group.forEach((p, i) => {
      p.job.name = `${n}-${i + 1}`;
      p.aliases.push(n);
    });
  }
}

export type { Pending as PendingWorkflowJob };
export const TERMINAL_STATUSES: RequiredStatus[] = ['success', 'failed', 'canceled', 'not_run'];
