import { stringifyYaml, YamlFloat } from './yaml-scalars';
import { unescapeString } from './interpolate';
import type { CompileOptions } from './compile';
import { environmentList, environmentMap } from './environment';
import { expandConfig } from './expand-config';
import { budgetOf, ConfigLimitError } from './limits';
import type { ConfigProblem } from './plan';
import type { LongStep } from './steps';
import type { ExpandedWorkflowJob } from './workflows';

export type ProcessResult = { ok: true; yaml: string } | { ok: false; problems: ConfigProblem[] };

/** Replaces escaped `\<<` in every string of a value with `<<`. */
function finalise(v: unknown): unknown {
  if (typeof v === 'string') return unescapeString(v);
  if (Array.isArray(v)) return v.map(finalise);
  if (v !== null && typeof v === 'object' && !(v instanceof YamlFloat)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, finalise(x)]));
  return v;
}

const sorted = (m: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** A step as `config process` prints it: built-ins without arguments bare, everything else long form, keys sorted. */
function stepOut(step: LongStep): unknown {
  const type = Object.keys(step)[0];
  const args = step[type];
  return type !== 'run' && Object.keys(args).length === 0 ? type : { [type]: sorted(args) };
}

/** A job as `config process` prints it: keys sorted, `environment` as a list of one-key maps. */
function jobOut(body: Record<string, unknown>, steps: LongStep[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, steps: steps.map(stepOut) };
  if (body.environment !== undefined) out.environment = environmentList(environmentMap(body.environment));
  return sorted(out);
}

function entryOut(j: ExpandedWorkflowJob): unknown {
  const cfg: Record<string, unknown> = { ...j.entry };
  if (j.requires.length) {
    cfg.requires = j.requires.map((r) =>
      r.statuses.length === 1 && r.statuses[0] === 'success' ? r.job : { [r.job]: r.statuses.length === 1 ? r.statuses[0] : r.statuses },
    );
  }
  return Object.keys(cfg).length ? { [j.name]: cfg } : j.name;
}

/**
 * The config as `circleci config process` prints it: `version: 2`, every job fully expanded under its final
 * workflow name (matrix instances included), every step in long form, workflows excluded by `when` omitted.
 */
export async function processConfig(source: string, options: CompileOptions = {}): Promise<ProcessResult> {
  const expanded = await expandConfig(source, options);
  if (!expanded.ok) return { ok: false, problems: expanded.problems };
  const jobs: Record<string, unknown> = {};
  const workflows: Record<string, unknown> = {};
  for (const wf of expanded.config.workflows) {
    for (const j of wf.jobs) {
      if (!j.job) continue;
      // A job that runs no steps (no-op, release, lock, unlock) is printed as its type and keys only.
      jobs[j.name] = j.type === 'build' ? jobOut(j.job.body, j.job.steps) : sorted(j.job.body);
    }
    const w: Record<string, unknown> = {};
    if (wf.triggers !== undefined) w.triggers = wf.triggers;
    w.jobs = wf.jobs.map(entryOut);
    workflows[wf.name] = w;
  }
  const out: Record<string, unknown> = { version: 2 };
  if (expanded.config.setup) out.setup = true;
  out.jobs = jobs;
  out.workflows = { version: 2, ...workflows };
  const yaml = stringifyYaml(finalise(out));
  try {
    budgetOf(expanded.problems).checkProcessedBytes(Buffer.byteLength(yaml));
  } catch (err) {
    if (err instanceof ConfigLimitError) return { ok: false, problems: err.problems };
    throw err;
  }
  return { ok: true, yaml };
}
