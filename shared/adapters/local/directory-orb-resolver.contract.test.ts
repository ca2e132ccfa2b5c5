import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defineOrbResolverContract } from '../../ports/orb-resolver.contract';
import { DirectoryOrbResolver } from './directory-orb-resolver';

/** Writes `text` at `file` (folders made as needed). */
const write = (file: string, text: string) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
};

defineOrbResolverContract('DirectoryOrbResolver (orb folders on disk)', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'orb-contract-'));
  const root = join(parent, 'registry');
  mkdirSync(root);
  return {
    resolver: new DirectoryOrbResolver(root),
    publish: async (ref, text) => write(join(root, ref.namespace, `${ref.name}@${ref.version}`, 'orb.yml'), text),
    outside: async (file, text) => write(join(parent, file), text),
  };
});
