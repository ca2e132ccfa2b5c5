import { environmentMap } from './environment';
import { interpolate } from './interpolate';
import { bindArguments, readParameterDefinitions, RESERVED_JOB_PARAMETERS, type ParameterDefinition } from './parameters';
import type { Problems } from './problems';
import { resolveDefinition, visibleNames, type Definition, type Scope } from './scope';
import { expandSteps, type LongStep } from './steps';
import { suggestion } from './suggest';

/** A job with its parameters applied, its executor merged in and every step in long form. */
export interface ExpandedJob {
  definition: string;
  /** Job keys as `config process` prints them (no `parameters`/`executor`; executor keys merged in). */
  body: Record<string, unknown>;
  steps: LongStep[];
}

const EXECUTOR_KEYS = ['docker', 'machine', 'macos', 'windows', 'resource_class', 'shell', 'working_directory', 'environment'];
const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Expands one workflow invocation of a job. `args` are the entry's keys (reserved keys are skipped). */
export function expandJob(
  def: Definition,
  args: Record<string, unknown>,
  argsNode: unknown,
  root: Scope,
  problems: Problems,
  prePost: { pre?: LongStep[]; post?: LongStep[] } = {},
): ExpandedJob {
  const owner = `job "${def.qualified}"`;
  const defs = readParameterDefinitions(def.body.parameters, owner, problems, RESERVED_JOB_PARAMETERS);
  const bound = bindArguments(defs, args, owner, problems, argsNode, RESERVED_JOB_PARAMETERS, (d: ParameterDefinition, v: unknown) =>
    d.type === 'steps' ? expandSteps(v, root, { problems, owner }) : v,
  );
  const raw = interpolate(def.body, { parameters: bound, owner }, problems, def.scope.map, ['parameters']) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  if (raw.executor !== undefined) Object.assign(body, expandExecutor(raw.executor, raw, def.scope, root, problems, owner));
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'parameters' || k === 'executor' || k === 'steps' || k === 'description') continue;
    if (k === 'environment' && body.environment !== undefined) body.environment = { ...environmentMap(body.environment), ...environmentMap(v) };
    else body[k] = v;
  }
  if (body.docker !== undefined && body.machine !== undefined && body.machine !== false) {
    problems.add(`${owner} uses both \`docker\` and \`machine\`.`, {
      node: def.body,
      key: 'machine',
      onKey: true,
      hint: 'Choose one executor type: remove `docker` or `machine`.',
    });
  }
  if (body.docker === undefined && (body.machine === undefined || body.machine === false) && body.macos === undefined && body.windows === undefined) {
    problems.add(`${owner} has no executor.`, { node: def.body, hint: 'Add `docker:`, `machine:`, `macos:` or `executor:` to the job.' });
  }
  if (def.body.steps === undefined) problems.add(`${owner} has no \`steps\`.`, { node: def.body, hint: 'Add a `steps:` list.' });
  const steps = [...(prePost.pre ?? []), ...expandSteps(raw.steps, def.scope, { problems, owner }), ...(prePost.post ?? [])];
  body.steps = steps;
  return { definition: def.qualified, body, steps };
}

function expandExecutor(ref: unknown, job: Record<string, unknown>, scope: Scope, root: Scope, problems: Problems, owner: string): Record<string, unknown> {
  const name = typeof ref === 'string' ? ref : isMap(ref) && typeof ref.name === 'string' ? ref.name : undefined;
  if (!name) {
    problems.add(`\`executor\` of ${owner} must be an executor name or a map with \`name\`.`, { node: job, key: 'executor' });
    return {};
  }
  const def = resolveDefinition(scope, 'executors', name) ?? resolveDefinition(root, 'executors', name);
  if (!def) {
    problems.add(`Unknown executor "${name}" in ${owner}.`, {
      node: job,
      key: 'executor',
      hint: suggestion(name, [...visibleNames(scope, 'executors'), ...(scope === root ? [] : visibleNames(root, 'executors'))], 'executors'),
    });
    return {};
  }
  const execOwner = `executor "${def.qualified}"`;
  const args = isMap(ref) ? Object.fromEntries(Object.entries(ref).filter(([k]) => k !== 'name')) : {};
  const defs = readParameterDefinitions(def.body.parameters, execOwner, problems);
  const bound = bindArguments(defs, args, execOwner, problems, isMap(ref) ? ref : job);
  const body = interpolate(def.body, { parameters: bound, owner: execOwner }, problems, def.scope.map, ['parameters']) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of EXECUTOR_KEYS) if (body[k] !== undefined) out[k] = body[k];
  return out;
}
