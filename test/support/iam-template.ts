import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** What the template is made from: the CDK app and the model it reads (grant table, resource classes). */
const SOURCES = ['infra/lib', 'infra/bin', 'shared/model', 'package-lock.json', 'cdk.json'];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full).flatMap((name) => (name.endsWith('.test.ts') ? [] : files(join(path, name))));
}

/**
 * The synthesized template the tests enforce IAM from, at `test-output/iam-template-<hash>.json`: synthesized
 * once per change of its sources (a few seconds, bundling skipped), then read from the file.
 */
export function ensureIamTemplate(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap(files).sort()) hash.update(relative(ROOT, file)).update(readFileSync(file));
  const dir = join(ROOT, 'test-output');
  const out = join(dir, `iam-template-${hash.digest('hex').slice(0, 16)}.json`);
  if (existsSync(out)) return out;
  const { synthesizeTemplate } = require('../../infra/lib/synth-template') as typeof import('../../infra/lib/synth-template');
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(synthesizeTemplate()));
  renameSync(tmp, out);
  return out;
}
