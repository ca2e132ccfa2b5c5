import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { benchConfigCompile } from './config-compile';
import { median, repeat, timeMs } from './stats';

/**
 * Run from source (`tsx`), so `benchConfigCompile` finds the corpus next to its own file: prints one JSON line
 * with each corpus config's compile time and, as its baseline, the time of a plain `yaml` parse of it.
 */
async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 30);
  const compiled = await benchConfigCompile(runs);
  const corpus = path.resolve(__dirname, '../../shared/corpus/configs');
  const out = [];
  for (const c of compiled) {
    const source = readFileSync(path.join(corpus, c.config), 'utf8');
    const parseMs = median(await repeat(runs, 3, () => timeMs(() => parse(source, { maxAliasCount: -1, uniqueKeys: false, merge: true }))));
    out.push({ ...c, parseMs, bytes: Buffer.byteLength(source) });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main();
