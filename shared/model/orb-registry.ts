import type { OrbReference } from '../config/orb-reference';

/** The private orb registry's layout in the bucket: `orbs/<ns>/<name>/<x.y.z>.yml` (packed orb.yml). */
export const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;

export function orbKey(ref: OrbReference): string {
  return `orbs/${ref.namespace}/${ref.name}/${ref.version}.yml`;
}

export function compareSemver(a: string, b: string): number {
  const pa = SEMVER.exec(a)!.slice(1).map(Number);
  const pb = SEMVER.exec(b)!.slice(1).map(Number);
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
}

/** Published versions of an orb, oldest first. */
export async function publishedOrbVersions(blobs: { list(prefix: string): Promise<{ key: string }[]> }, namespace: string, name: string): Promise<string[]> {
  const prefix = `orbs/${namespace}/${name}/`;
  return (await blobs.list(prefix))
    .map((k) => k.key.slice(prefix.length).replace(/\.yml$/, ''))
    .filter((v) => SEMVER.test(v))
    .sort(compareSemver);
}
