import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { stringifyYaml } from './yaml-scalars';
import { ConfigCompileError } from './problems';
import { parseYaml } from './yaml-parse';

export interface PackOptions {
  /** What to do when `<<include(file)>>` names a missing file: fail (default) or leave a placeholder command. */
  onMissingInclude?: 'error' | 'placeholder';
}

const SECTIONS = ['commands', 'executors', 'jobs', 'examples'] as const;
const INCLUDE = /<<\s*include\(([^)]+)\)\s*>>/g;

/** Thrown when an orb source folder cannot be packed; says which file and why. */
export class OrbPackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrbPackError';
  }
}

function readYamlFile(file: string, root: string, options: PackOptions): unknown {
  const dir = path.dirname(file);
  const include = (rel: string): string => {
    const name = rel.trim();
    const target = [path.resolve(dir, name), path.resolve(root, name)].find((p) => existsSync(p));
    if (target) return readFileSync(target, 'utf8');
    if (options.onMissingInclude === 'placeholder') return `echo "missing include ${name}"`;
    throw new OrbPackError(`${path.relative(root, file)}: included file ${name} does not exist.`);
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes('include(') ? v.replace(INCLUDE, (_m, rel: string) => include(rel)) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  try {
    return walk(parseYaml(readFileSync(file, 'utf8'), path.relative(root, file)).value);
  } catch (err) {
    if (err instanceof ConfigCompileError) throw new OrbPackError(err.message, { cause: err });
    throw err;
  }
}

/**
 * Packs an orb source folder as `circleci orb pack` does: `@orb.yml` holds the top level, and each file of
 * `commands/`, `executors/`, `jobs/` and `examples/` becomes the element named after the file. `<<include(path)>>`
 * (path relative to the file, or to the folder) is replaced by the file's text. Returns the packed YAML.
 */
export function packOrb(dir: string, options: PackOptions = {}): string {
  const root = path.resolve(dir);
  const top = path.join(root, '@orb.yml');
  if (!existsSync(top)) throw new OrbPackError(`${dir} has no @orb.yml.`);
  const orb = (readYamlFile(top, root, options) ?? {}) as Record<string, unknown>;
  if (typeof orb !== 'object' || Array.isArray(orb)) throw new OrbPackError('@orb.yml must be a YAML map.');
  for (const section of SECTIONS) {
    const folder = path.join(root, section);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) continue;
    const files = readdirSync(folder)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    if (!files.length) continue;
    const entries = { ...((orb[section] as Record<string, unknown> | undefined) ?? {}) };
    for (const f of files) entries[f.replace(/\.ya?ml$/, '')] = readYamlFile(path.join(folder, f), root, options);
    orb[section] = entries;
  }
  return stringifyYaml(orb);
}
