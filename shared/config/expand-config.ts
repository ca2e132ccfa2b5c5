import { stringify } from 'yaml';
import type { CompileOptions } from './compile';
import { interpolate } from './interpolate';
import { attachBudget } from './limits';
import { matrixSize } from './matrix';
import { loadOrbs } from './orbs';
import { flattenPipelineValues, defaultPipelineValues } from './pipeline-values';
import { bindArguments, readParameterDefinitions } from './parameters';
import type { ConfigProblem } from './plan';
import { ConfigCompileError, Problems } from './problems';
import { addDefinitions, newScope, type Scope } from './scope';
import type { SourceMap } from './source-map';
import { validateStructure } from './validate';
import { expandWorkflow, type ExpandedWorkflow } from './workflows';
import { parseYaml } from './yaml-parse';

export type ExpandOptions = CompileOptions;

export interface ExpandedConfig {
  version: 2 | 2.1;
  setup: boolean;
  workflows: ExpandedWorkflow[];
  pipelineParameters: Record<string, string | number | boolean>;
  root: Scope;
  /** Workflows left out by their `when`/`unless`, each with the condition as evaluated. */
  skippedWorkflows: Array<{ name: string; reason: string }>;
}

export type ExpandResult = { ok: true; config: ExpandedConfig; problems: Problems } | { ok: false; problems: ConfigProblem[] };

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const ONLY_21 = ['orbs', 'commands', 'executors', 'parameters'];

/** `when: equal [main, feature/x] is false`: the condition that left a workflow out, as evaluated. */
function conditionReason(wf: Record<string, unknown>): string {
  const show = (v: unknown) =>
    stringify(v, { collectionStyle: 'flow', lineWidth: 0 })
      .trim()
      .replace(/^\{ (.*) \}$/, '$1')
      .replace(/^(\w+): /, '$1 ');
  const scalar = (v: unknown) => v === null || typeof v !== 'object';
  if ('when' in wf) return scalar(wf.when) ? `when: ${show(wf.when)}` : `when: ${show(wf.when)} is false`;
  return scalar(wf.unless) ? `unless: ${show(wf.unless)}` : `unless: ${show(wf.unless)} is true`;
}

/** parse → validate → expand: the shared front half of compile and process. Limits stop it with one problem. */
export async function expandConfig(source: string, options: ExpandOptions = {}): Promise<ExpandResult> {
  try {
    return await expand(source, options);
  } catch (err) {
    if (err instanceof ConfigCompileError) return { ok: false, problems: err.problems };
    throw err;
  }
}

async function expand(source: string, options: ExpandOptions): Promise<ExpandResult> {
  const file = options.fileName ?? '.circleci/config.yml';
  let parsed;
  try {
    parsed = parseYaml(typeof source === 'string' ? source : String(source), file, options.limits);
  } catch (err) {
    if (err instanceof ConfigCompileError) return { ok: false, problems: err.problems };
    throw err;
  }
  const problems = new Problems(parsed.map);
  const budget = attachBudget(problems, options.limits);
  const raw = parsed.value;
  if (!isMap(raw)) {
    problems.add('The config must be a YAML map with `version`, `jobs` and `workflows`.', { node: raw, hint: 'Start the file with `version: 2.1`.' });
    return { ok: false, problems: problems.list };
  }
  if (!validateStructure(raw, problems)) return { ok: false, problems: problems.list };
  const version = Number(raw.version) === 2 ? 2 : 2.1;
  checkTopLevel(raw, version, parsed.map, problems);
  const paramDefs = readParameterDefinitions(raw.parameters, 'the pipeline', problems);
  const given = options.pipelineParameters ?? {};
  const pipelineParameters = bindArguments(paramDefs, given, 'the pipeline parameters', problems, raw.parameters ?? raw) as Record<
    string,
    string | number | boolean
  >;
  if (!problems.empty) return { ok: false, problems: problems.list };
  const pipelineValues = flattenPipelineValues(options.pipeline ?? defaultPipelineValues);
  const config = interpolate(raw, { pipelineParameters, pipelineValues, owner: 'the config' }, problems, parsed.map, ['orbs', 'parameters']) as Record<
    string,
    unknown
  >;
  const root = newScope('', false, parsed.map);
  await loadOrbs(root, config, { resolver: options.orbResolver, pipelineValues, pipelineParameters, limits: options.limits, cache: new Map() }, problems);
  const missing = problems.list.filter((p) => p.code === 'orb-not-found');
  if (missing.length) return { ok: false, problems: missing };
  addDefinitions(root, config);
  budget.countJobs(config.workflows, matrixSize);
  const { workflows, skippedWorkflows } = expandWorkflows(config, raw, root, problems);
  if (!problems.empty) return { ok: false, problems: problems.list };
  const setup = config.setup === true || config.setup === 'true';
  return { ok: true, problems, config: { version, setup, workflows, pipelineParameters, root, skippedWorkflows } };
}

/** Top-level checks after validation: version-2.1-only keys, unsupported `job-groups`, duplicate definition names. */
function checkTopLevel(raw: Record<string, unknown>, version: 2 | 2.1, map: SourceMap, problems: Problems): void {
  if (version === 2) {
    for (const k of ONLY_21)
      if (raw[k] !== undefined)
        problems.add(`\`${k}\` needs config version 2.1.`, { node: raw, key: k, onKey: true, hint: 'Change `version: 2` to `version: 2.1`.' });
  }
  if (raw['job-groups'] !== undefined) {
    problems.add('`job-groups` (CircleCI job groups) are not supported by Slipway yet.', {
      node: raw,
      key: 'job-groups',
      onKey: true,
      hint: "List the group's jobs in the workflow with their `requires`; to serialize them as one unit, put a `type: lock` job before them and a `type: unlock` job (requiring the last one with every status) after them.",
    });
  }
  for (const k of ['jobs', 'commands', 'executors']) {
    for (const dup of map.info(raw[k])?.duplicates ?? [])
      problems.add(`Duplicate ${k.slice(0, -1)} name "${dup}" in \`${k}\`.`, {
        node: raw[k],
        key: dup,
        onKey: true,
        hint: 'Rename or remove one of the definitions.',
      });
  }
}

/** Expands every workflow, or the implicit `build` workflow of a config without `workflows`. */
function expandWorkflows(
  config: Record<string, unknown>,
  raw: Record<string, unknown>,
  root: Scope,
  problems: Problems,
): Pick<ExpandedConfig, 'workflows' | 'skippedWorkflows'> {
  const workflows: ExpandedWorkflow[] = [];
  const skippedWorkflows: ExpandedConfig['skippedWorkflows'] = [];
  if (config.workflows === undefined) {
    // Without workflows CircleCI runs the job named `build` in a workflow of its own.
    if (root.jobs.has('build')) {
      const wf = expandWorkflow('workflow', { jobs: ['build'] }, root, problems);
      if (wf) workflows.push(wf);
    } else if (!config.setup)
      problems.add('A config without `workflows` needs a job named `build`.', {
        node: raw,
        key: raw.jobs === undefined ? undefined : 'jobs',
        onKey: true,
        hint: 'Add a `workflows:` section that lists the jobs to run, or name your job `build`.',
      });
  } else if (isMap(config.workflows)) {
    for (const [name, wf] of Object.entries(config.workflows)) {
      if (name === 'version') continue;
      const expanded = expandWorkflow(name, wf, root, problems);
      if (expanded) workflows.push(expanded);
      else if (isMap(wf)) skippedWorkflows.push({ name, reason: conditionReason(wf) });
    }
  }
  return { workflows, skippedWorkflows };
}
