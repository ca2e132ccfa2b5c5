import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { packOrb, type PackOptions } from '../../config/orb-pack';
import { isOrbReference } from '../../model/orb-registry';
import type { OrbReference, OrbResolver } from '../../ports/orb-resolver';

/**
 * Serves orbs from a folder: `<root>/<ns>/<name>@<version>/` or, for any version, `<root>/<ns>/<name>/`. Each
 * orb folder holds a packed `orb.yml`, or an orb source (`@orb.yml` + element folders) that is packed on read.
 * A file `<root>/<ns>/<name>@<version>.yml` works too.
 *
 * Semantics: read-only; safe to call concurrently and repeatedly; resolves `undefined` for an unknown orb and for
 * a reference that is not an orb name (it never reads outside `root`).
 */
export class DirectoryOrbResolver implements OrbResolver {
  private readonly cache = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly root: string,
    private readonly packOptions: PackOptions = {},
  ) {}

  /** Reads (and packs) each orb once per resolver; later calls return the same text. */
  resolve(ref: OrbReference): Promise<string | undefined> {
    const key = `${ref.namespace}/${ref.name}@${ref.version}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.read(ref);
      this.cache.set(key, found);
    }
    return found;
  }

  private async read(ref: OrbReference): Promise<string | undefined> {
    // The reference becomes a path: one that is not a plain orb name (`../`, `/`) names nothing here.
    if (!isOrbReference(ref)) return undefined;
    const base = path.join(this.root, ref.namespace);
    const candidates = [path.join(base, `${ref.name}@${ref.version}`), path.join(base, ref.name)];
    const file = path.join(base, `${ref.name}@${ref.version}.yml`);
    if (existsSync(file) && statSync(file).isFile()) return readFileSync(file, 'utf8');
    for (const dir of candidates) {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
      const packed = path.join(dir, 'orb.yml');
      if (existsSync(packed)) return readFileSync(packed, 'utf8');
      if (existsSync(path.join(dir, '@orb.yml'))) return packOrb(dir, this.packOptions);
    }
    return undefined;
  }
}
