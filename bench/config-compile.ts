import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileConfig } from '../shared/config/compile';
import { corpusOrbResolver } from '../test/support/corpus-orbs';

const corpus = path.resolve(__dirname, '../../shared/corpus');

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Compile time of every corpus config (p50/p95 over repeated runs, after a warm-up). */
export async function benchConfigCompile(runs = 30): Promise<Array<{ config: string; p50Ms: number; p95Ms: number }>> {
  const dir = path.join(corpus, 'configs');
  if (!existsSync(dir)) return [];
  const orbResolver = corpusOrbResolver(corpus);
  const results: Array<{ config: string; p50Ms: number; p95Ms: number }> = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (let i = 0; i < 3; i++) await compileConfig(source, { fileName: file, orbResolver });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await compileConfig(source, { fileName: file, orbResolver });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    results.push({ config: file, p50Ms: Number(percentile(times, 50).toFixed(2)), p95Ms: Number(percentile(times, 95).toFixed(2)) });
  }
  return results;
}
