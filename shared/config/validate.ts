import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { configSchema } from './config-schema';
import type { Problems } from './problems';
import { YamlFloat } from './yaml-scalars';

let compiled: ValidateFunction | undefined;

/** The compiled schema validator (compiled once; it is a pure function of the constant schema). */
function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: false }).compile(configSchema);
  return compiled;
}

const HINTS: Record<string, string> = {
  required: 'Add the missing key.',
  type: 'Check the value type against the CircleCI configuration reference.',
  enum: 'Use one of the allowed values.',
  maxProperties: 'Put only one key here; indent the rest under it.',
  minItems: 'Add at least one entry.',
};

function describe(e: ErrorObject): string {
  if (e.keyword === 'required') return `missing required key \`${String(e.params.missingProperty)}\``;
  if (e.keyword === 'enum') return `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'type') return `must be ${String(e.params.type).replace(/,/g, ' or ')}`;
  return e.message ?? e.keyword;
}

/** The config with every {@link YamlFloat} replaced by its number (same shape, so error paths still apply). */
function plainCopy(v: unknown): unknown {
  if (v instanceof YamlFloat) return v.value;
  if (Array.isArray(v)) return v.map(plainCopy);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainCopy(x)]));
  return v;
}

const pathText = (segs: string[]): string => segs.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i ? `.${s}` : s)).join('');

/** Checks the raw config's structure; each violation becomes a positioned problem. Returns false if any. */
export function validateStructure(config: unknown, problems: Problems): boolean {
  const validate = validator();
  if (validate(config)) return true;
  // Floats kept as CircleCI writes them (`18.0`) are objects to the schema: check their numbers instead.
  const plain = plainCopy(config);
  if (validate(plain)) return true;
  const errors = validate.errors ?? [];
  // For `anyOf`, report the deepest failing branch rather than every alternative.
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const reported = new Set<string>();
  for (const e of errors) {
    const deeper = errors.some((o) => o.instancePath.startsWith(`${e.instancePath}/`));
    if (e.keyword === 'anyOf' || (deeper && e.keyword !== 'required') || reported.has(e.instancePath)) continue;
    const siblings = byPath.get(e.instancePath) ?? [];
    const chosen = siblings.find((s) => s.keyword === 'required') ?? siblings.find((s) => s.keyword !== 'anyOf') ?? e;
    reported.add(e.instancePath);
    const segs = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let parent: unknown = config;
    for (const s of segs.slice(0, -1)) parent = (parent as Record<string, unknown>)?.[s];
    const last = segs[segs.length - 1];
    const key = Array.isArray(parent) ? Number(last) : last;
    const where = segs.length ? pathText(segs) : 'the config';
    problems.add(`${where}: ${describe(chosen)}.`, {
      node: segs.length ? parent : config,
      key: segs.length ? key : undefined,
      path: where,
      hint: HINTS[chosen.keyword],
      code: 'schema',
    });
  }
  return problems.empty;
}
