/**
 * `environment` as CircleCI accepts it: a map, or a list of one-key maps (the form `config process` writes).
 * Later entries win. Anything else reads as no variables (the schema reports it).
 */
export function environmentMap(env: unknown): Record<string, unknown> {
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isMap(env)) return env;
  if (!Array.isArray(env)) return {};
  return Object.assign({}, ...env.filter(isMap)) as Record<string, unknown>;
}

/** A variable map written as CircleCI's `config process` writes it: a list of one-key maps. */
export const environmentList = (env: Record<string, unknown>): Array<Record<string, unknown>> => Object.entries(env).map(([k, v]) => ({ [k]: v }));
