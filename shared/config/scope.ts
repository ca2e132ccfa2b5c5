import type { SourceMap } from './source-map';

export type DefinitionKind = 'commands' | 'executors' | 'jobs';

/** A command, executor or job definition, with the scope its names resolve in. */
export interface Definition {
  kind: DefinitionKind;
  /** Name as written where it is used from the user's config (`build`, `node/test`, `a/b/cmd`). */
  qualified: string;
  body: Record<string, unknown>;
  scope: Scope;
}

/** The elements visible from one place: the user's config or one orb (with the orbs it imports). */
export interface Scope {
  /** `''` for the user's config, else the orb's import path (`node`, `a/b`). */
  path: string;
  isOrb: boolean;
  map: SourceMap;
  commands: Map<string, Definition>;
  executors: Map<string, Definition>;
  jobs: Map<string, Definition>;
  orbs: Map<string, Scope>;
}

export function newScope(path: string, isOrb: boolean, map: SourceMap): Scope {
  return { path, isOrb, map, commands: new Map(), executors: new Map(), jobs: new Map(), orbs: new Map() };
}

/** Fills a scope's definitions from a config or orb body. */
export function addDefinitions(scope: Scope, body: Record<string, unknown>): void {
  for (const kind of ['commands', 'executors', 'jobs'] as const) {
    const section = body[kind];
    if (!section || typeof section !== 'object' || Array.isArray(section)) continue;
    for (const [name, def] of Object.entries(section as Record<string, unknown>)) {
      const b = def && typeof def === 'object' && !Array.isArray(def) ? (def as Record<string, unknown>) : {};
      scope[kind].set(name, { kind, qualified: scope.path ? `${scope.path}/${name}` : name, body: b, scope });
    }
  }
}

/** Resolves `name` or `orb/name` (or `orb/nested/name`) from `scope`. */
export function resolveDefinition(scope: Scope, kind: DefinitionKind, ref: string): Definition | undefined {
  const slash = ref.indexOf('/');
  if (slash === -1) return scope[kind].get(ref);
  const orb = scope.orbs.get(ref.slice(0, slash));
  // A processed config names orb jobs `orb/job` in its own `jobs`: without that orb, the literal name counts.
  return orb ? resolveDefinition(orb, kind, ref.slice(slash + 1)) : scope[kind].get(ref);
}

/** Every name of `kind` visible from `scope`, for suggestions. */
export function visibleNames(scope: Scope, kind: DefinitionKind, prefix = '', depth = 0): string[] {
  const names = [...scope[kind].keys()].map((n) => prefix + n);
  if (depth < 3) for (const [alias, orb] of scope.orbs) names.push(...visibleNames(orb, kind, `${prefix}${alias}/`, depth + 1));
  return names;
}
