import type { OrbReference, OrbResolver } from './orb-reference';
import { interpolate } from './interpolate';
import { ConfigCompileError, type Problems } from './problems';
import { addDefinitions, newScope, type Scope } from './scope';
import type { SourceMap } from './source-map';
import { parseYaml, type ParseLimits } from './yaml-parse';

export interface OrbLoadContext {
  resolver?: OrbResolver;
  pipelineValues: Record<string, unknown>;
  pipelineParameters: Record<string, unknown>;
  limits?: Partial<ParseLimits>;
  /** Orb sources already fetched in this compilation, by `ns/name@version`. */
  cache: Map<string, Promise<string | undefined>>;
}

const REF = /^([a-z0-9][a-z0-9_-]*)\/([a-z0-9][a-z0-9_-]*)@(.+)$/i;
const MAX_ORB_DEPTH = 8;

/** Parses `ns/name@version` (the version may be `volatile`, `1`, `1.2`, `dev:abc`). */
export function parseOrbReference(text: string): OrbReference | undefined {
  const m = REF.exec(text.trim());
  return m ? { namespace: m[1], name: m[2], version: m[3] } : undefined;
}

/**
 * Loads the orbs imported by `body` (inline orbs and registry orbs through the resolver) into `scope`,
 * recursively. Missing registry orbs are reported with code `orb-not-found`.
 */
export async function loadOrbs(scope: Scope, body: Record<string, unknown>, ctx: OrbLoadContext, problems: Problems, depth = 0): Promise<void> {
  const orbs = body.orbs;
  if (orbs === undefined || orbs === null) return;
  if (typeof orbs !== 'object' || Array.isArray(orbs)) {
    problems.add('`orbs` must be a map of names to orb references or inline orbs.', { node: body, key: 'orbs' });
    return;
  }
  if (depth > MAX_ORB_DEPTH) {
    problems.add(`Orbs are nested more than ${MAX_ORB_DEPTH} levels deep.`, { node: orbs, hint: 'Check for orbs that import each other.' });
    return;
  }
  const entries = Object.entries(orbs as Record<string, unknown>);
  await Promise.all(entries.map(([alias, value]) => loadOrb(scope, orbs as Record<string, unknown>, alias, value, ctx, problems, depth)));
}

/** One entry of `orbs`: an inline orb map, or a registry reference fetched through the resolver. */
async function loadOrb(
  scope: Scope,
  orbs: Record<string, unknown>,
  alias: string,
  value: unknown,
  ctx: OrbLoadContext,
  problems: Problems,
  depth: number,
): Promise<void> {
  const path = scope.path ? `${scope.path}/${alias}` : alias;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const orbScope = newScope(path, true, scope.map);
    const orbBody = interpolate(value, { owner: `orb "${path}"`, pipelineValues: ctx.pipelineValues, pipelineParameters: null }, problems, scope.map) as Record<
      string,
      unknown
    >;
    scope.orbs.set(alias, orbScope);
    await loadOrbs(orbScope, orbBody, ctx, problems, depth + 1);
    addDefinitions(orbScope, orbBody);
    return;
  }
  if (typeof value !== 'string') {
    problems.add(`Orb "${alias}" must be a reference like \`circleci/node@7.1\` or an inline orb map.`, { node: orbs, key: alias });
    return;
  }
  const text = interpolate(
    value,
    { owner: 'orbs', pipelineValues: ctx.pipelineValues, pipelineParameters: scope.isOrb ? null : ctx.pipelineParameters },
    problems,
    scope.map,
  ) as string;
  const ref = parseOrbReference(String(text));
  if (!ref) {
    problems.add(`Invalid orb reference ${JSON.stringify(text)} for "${alias}".`, {
      node: orbs,
      key: alias,
      hint: 'Write `namespace/name@version`, e.g. `circleci/node@7.1.0`.',
    });
    return;
  }
  await loadRegistryOrb(scope, orbs, alias, path, ref, ctx, problems, depth);
}

/** A registry orb: fetched (once per compilation), parsed with its own source map, loaded into a scope of its own. */
async function loadRegistryOrb(
  scope: Scope,
  orbs: Record<string, unknown>,
  alias: string,
  path: string,
  ref: OrbReference,
  ctx: OrbLoadContext,
  problems: Problems,
  depth: number,
): Promise<void> {
  const key = `${ref.namespace}/${ref.name}@${ref.version}`;
  const source = await fetchOrb(ref, key, ctx);
  if (source === undefined) {
    problems.add(`Orb ${key} (imported as "${alias}") was not found.`, {
      node: orbs,
      key: alias,
      code: 'orb-not-found',
      hint: `Make ${key} available to the orb registry (e.g. a folder ${ref.namespace}/${ref.name}@${ref.version} holding the output of \`slipway orb pack\`), or paste the orb inline under \`orbs: ${alias}:\`.`,
    });
    return;
  }
  let parsed;
  try {
    parsed = parseYaml(source, key, ctx.limits);
  } catch (err) {
    if (err instanceof ConfigCompileError) for (const p of err.problems) problems.list.push(p);
    else throw err;
    return;
  }
  const orbMap: SourceMap = parsed.map;
  problems.addMap(orbMap);
  const orbScope = newScope(path, true, orbMap);
  if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    problems.add(`Orb ${key} is not a YAML map.`, { node: orbs, key: alias });
    return;
  }
  const orbBody = interpolate(parsed.value, { owner: `orb ${key}`, pipelineValues: ctx.pipelineValues, pipelineParameters: null }, problems, orbMap) as Record<
    string,
    unknown
  >;
  scope.orbs.set(alias, orbScope);
  await loadOrbs(orbScope, orbBody, ctx, problems, depth + 1);
  addDefinitions(orbScope, orbBody);
}

function fetchOrb(ref: OrbReference, key: string, ctx: OrbLoadContext): Promise<string | undefined> {
  let p = ctx.cache.get(key);
  if (!p) {
    p = ctx.resolver ? ctx.resolver.resolve(ref).catch(() => undefined) : Promise.resolve(undefined);
    ctx.cache.set(key, p);
  }
  return p;
}
