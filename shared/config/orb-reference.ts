// What the config engine needs to expand registry orbs: a reference and a lookup. The port
// `shared/ports/orb-resolver.ts` re-exports these for adapters (the domain imports no ports).
/** Identifies a registry orb, as written in `orbs: { key: ns/name@version }`. */
export interface OrbReference {
  namespace: string;
  name: string;
  version: string;
}

/**
 * Finds the source of a registry orb (the packed `orb.yml` text).
 *
 * Semantics: pure lookup; safe to call any number of times and concurrently; resolves `undefined` when the orb
 * (or that version) is not available, never throws for a missing orb. Implementations may cache.
 */
export interface OrbResolver {
  resolve(ref: OrbReference): Promise<string | undefined>;
}
