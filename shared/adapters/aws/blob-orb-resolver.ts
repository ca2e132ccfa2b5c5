import { isOrbReference, orbKey, publishedOrbVersions, SEMVER } from '../../model/orb-registry';
import type { BlobStore } from '../../ports/blob-store';
import type { OrbReference, OrbResolver } from '../../ports/orb-resolver';

/**
 * The private orb registry: published orbs (packed `orb.yml`) in the bucket under
 * `orbs/<ns>/<name>/<x.y.z>.yml`. Versions resolve as CircleCI's registry does: an exact `x.y.z`; `x` or
 * `x.y` to the newest matching release; `volatile` to the newest release.
 *
 * Semantics: read-only; safe to call concurrently; resolves `undefined` for an unknown orb or version.
 * Exact versions are immutable and cached for the life of the instance; partial ones are looked up each time.
 */
export class BlobOrbResolver implements OrbResolver {
  private readonly exact = new Map<string, string>();
  constructor(private readonly blobs: BlobStore) {}

  async resolve(ref: OrbReference): Promise<string | undefined> {
    if (!isOrbReference(ref)) return undefined;
    let version = ref.version;
    if (!SEMVER.test(version)) {
      const all = await publishedOrbVersions(this.blobs, ref.namespace, ref.name);
      const matching = version === 'volatile' ? all : all.filter((v) => v.startsWith(`${version}.`));
      if (!matching.length) return undefined;
      version = matching[matching.length - 1];
    }
    const key = orbKey({ ...ref, version });
    const cached = this.exact.get(key);
    if (cached !== undefined) return cached;
    const body = await this.blobs.get(key);
    if (!body) return undefined;
    const text = body.toString('utf8');
    this.exact.set(key, text);
    return text;
  }
}

/** Tries resolvers in order; the first that knows the orb wins. */
export class ChainedOrbResolver implements OrbResolver {
  constructor(private readonly resolvers: OrbResolver[]) {}

  async resolve(ref: OrbReference): Promise<string | undefined> {
    for (const r of this.resolvers) {
      const found = await r.resolve(ref);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
