import type { Problems } from './problems';
import { suggestion } from './suggest';
import { YamlFloat } from './yaml-scalars';

export type ParameterType = 'string' | 'boolean' | 'integer' | 'enum' | 'executor' | 'steps' | 'env_var_name';

export interface ParameterDefinition {
  type: ParameterType;
  default?: unknown;
  enum?: unknown[];
  description?: string;
}

const TYPES: readonly string[] = ['string', 'boolean', 'integer', 'enum', 'executor', 'steps', 'env_var_name'];

/** Keys of a workflow job entry; a job may not declare parameters with these names. */
export const RESERVED_JOB_PARAMETERS: readonly string[] = [
  'name',
  'requires',
  'context',
  'type',
  'filters',
  'matrix',
  'pre-steps',
  'post-steps',
  'serial-group',
  'max_auto_reruns',
  'auto_rerun_delay',
  'override-with',
];

/** Reads and checks a `parameters:` declaration; returns the well-formed definitions. */
export function readParameterDefinitions(
  raw: unknown,
  owner: string,
  problems: Problems,
  reserved: readonly string[] = [],
): Record<string, ParameterDefinition> {
  const out: Record<string, ParameterDefinition> = {};
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.add(`\`parameters\` of ${owner} must be a map of parameter names to definitions.`, { node: raw });
    return out;
  }
  for (const [name, def] of Object.entries(raw as Record<string, unknown>)) {
    if (reserved.includes(name)) {
      problems.add(`Parameter name "${name}" of ${owner} is reserved.`, {
        node: raw,
        key: name,
        onKey: true,
        hint: `Rename it; ${reserved.join(', ')} are reserved.`,
      });
      continue;
    }
    if (!/^[A-Za-z][\w-]*$/.test(name)) {
      problems.add(`Invalid parameter name "${name}" in ${owner}.`, {
        node: raw,
        key: name,
        onKey: true,
        hint: 'Start with a letter; use letters, digits, `_` and `-`.',
      });
      continue;
    }
    const d = def as Record<string, unknown> | null;
    if (!d || typeof d !== 'object' || typeof d.type !== 'string' || !TYPES.includes(d.type)) {
      problems.add(`Parameter "${name}" of ${owner} needs a \`type\` (one of ${TYPES.join(', ')}).`, { node: raw, key: name });
      continue;
    }
    if (d.type === 'enum' && (!Array.isArray(d.enum) || d.enum.length === 0)) {
      problems.add(`Enum parameter "${name}" of ${owner} needs a non-empty \`enum\` list.`, { node: raw, key: name });
      continue;
    }
    const pd: ParameterDefinition = { type: d.type as ParameterType, enum: d.enum as unknown[] | undefined, description: d.description as string | undefined };
    if ('default' in d) {
      pd.default = d.default;
      const err = checkValue(pd, d.default);
      if (err) problems.add(`Default of parameter "${name}" of ${owner}: ${err}`, { node: d, key: 'default' });
    }
    out[name] = pd;
  }
  return out;
}

const isInterpolation = (v: unknown): boolean => typeof v === 'string' && /<<\s*[\w.-]+\s*>>/.test(v);

/** Why `value` does not fit `def`, or undefined. */
export function checkValue(def: ParameterDefinition, value: unknown): string | undefined {
  if (isInterpolation(value)) return undefined;
  switch (def.type) {
    case 'string':
      return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof YamlFloat
        ? undefined
        : `expected a string, got ${describe(value)}.`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected a boolean (true/false), got ${describe(value)}.`;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : `expected an integer, got ${describe(value)}.`;
    case 'enum':
      return (def.enum ?? []).some((e) => String(e) === String(value))
        ? undefined
        : `${JSON.stringify(value)} is not one of ${(def.enum ?? []).map((e) => JSON.stringify(e)).join(', ')}.`;
    case 'env_var_name':
      return typeof value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)
        ? undefined
        : `expected an environment variable name, got ${JSON.stringify(value)}.`;
    case 'steps':
      return Array.isArray(value) ? undefined : `expected a list of steps, got ${describe(value)}.`;
    case 'executor':
      return typeof value === 'string' || (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof YamlFloat))
        ? undefined
        : `expected an executor name or map, got ${describe(value)}.`;
  }
}

const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : v instanceof YamlFloat
      ? `float ${String(v)}`
      : Array.isArray(v)
        ? 'a list'
        : typeof v === 'object'
          ? 'a map'
          : `${typeof v} ${JSON.stringify(v)}`;

/**
 * Binds arguments to declared parameters: checks unknown and missing arguments and types, fills defaults.
 * `node` is the map holding the arguments (for positions). `convert` normalises typed values (steps, strings).
 */
export function bindArguments(
  defs: Record<string, ParameterDefinition>,
  args: Record<string, unknown>,
  owner: string,
  problems: Problems,
  node: unknown,
  ignore: readonly string[] = [],
  convert?: (def: ParameterDefinition, value: unknown) => unknown,
): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    if (ignore.includes(name)) continue;
    const def = defs[name];
    if (!def) {
      problems.add(`Unexpected argument "${name}" for ${owner}.`, {
        node,
        key: name,
        onKey: true,
        hint: Object.keys(defs).length ? suggestion(name, Object.keys(defs), 'parameters') : `${owner} declares no parameters.`,
      });
      continue;
    }
    const err = checkValue(def, value);
    if (err) {
      problems.add(`Argument "${name}" for ${owner}: ${err}`, { node, key: name });
      continue;
    }
    bound[name] = normalise(def, value, convert);
  }
  for (const [name, def] of Object.entries(defs)) {
    if (name in bound || name in args) continue;
    if (def.default === undefined) {
      problems.add(`Missing required argument "${name}" for ${owner}.`, {
        node,
        hint: `Pass \`${name}:\` (type ${def.type}) or give the parameter a \`default\`.`,
      });
      continue;
    }
    bound[name] = normalise(def, def.default, convert);
  }
  return bound;
}

function normalise(def: ParameterDefinition, value: unknown, convert?: (def: ParameterDefinition, value: unknown) => unknown): unknown {
  let v = value;
  if (def.type === 'string' && (typeof v === 'number' || typeof v === 'boolean' || v instanceof YamlFloat)) v = String(v);
  if (def.type === 'string' && v === null) v = '';
  return convert ? convert(def, v) : v;
}
