import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { compileConfig } from '../shared/config/compile';
import { parseYaml } from '../shared/config/yaml-parse';
import { benchConfigCompile } from './config-compile';
import { median, repeat, timeMs } from './stats';

/** An alias bomb (10^12 values once expanded) and random YAML-like text: how long the engine takes to reject them. */
async function hostileFigures(runs: number): Promise<{ aliasBombMs: number; randomMsPerKb: number }> {
  let bomb = 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]\n';
  for (let i = 1; i < 12; i++)
    bomb += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(',')}]\n`;
  const aliasBombMs = median(await repeat(runs, 3, () => timeMs(() => compileConfig(bomb))));
  const tokens = ['a', ':', ' ', '\n', '  ', '-', '[', ']', '{', '}', '&x', '*x', '<<', '"', "'", '|', '>', '#', '!!str', '?', ',', '1', 'yes', '\t'];
  let seed = 1;
  const next = (): number => (seed = (seed * 48271) % 2147483647);
  const random = Array.from({ length: 200 }, () => Array.from({ length: 2000 }, () => tokens[next() % tokens.length]).join(''));
  const perKb = await repeat(runs, 1, () =>
    timeMs(() => {
      for (const src of random) {
        try {
          parseYaml(src, 'random.yml');
        } catch {
          // positioned errors are expected; only the time counts here
        }
      }
    }).then((ms) => ms / (random.reduce((n, s) => n + s.length, 0) / 1024)),
  );
  return { aliasBombMs, randomMsPerKb: Number(median(perKb).toFixed(3)) };
}

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
  process.stdout.write(`${JSON.stringify({ configs: out, hostile: await hostileFigures(runs) })}\n`);
}

void main();
