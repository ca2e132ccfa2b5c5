import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { slipwayRoot } from '../local/root';
import { BenchRuntime } from './bench-runtime';
import { bundleFigures } from './bundles';
import { dockerJobFigures } from './docker-jobs';
import { concurrencyFigures, fanOutFigures, overheadFigures } from './control-plane';
import { costFigures } from './control-plane-cost';
import { hostileConfigFigures } from './hostile-configs';
import { idleCostFigures } from './idle-cost';
import { formatMarkdown, formatTable, type Figure } from './report';
import { localRunFigures } from './local-run';
import { cacheFigures, compileFigures, logFigures } from './standalone';

export const FIGURES = [
  'overhead',
  'fanout',
  'compile',
  'cache',
  'logs',
  'bundles',
  'cost',
  'concurrency',
  'local-run',
  'hostile',
  'docker',
  'idle-cost',
] as const;
export type FigureName = (typeof FIGURES)[number];
const NEEDS_RUNTIME: FigureName[] = ['overhead', 'fanout', 'cost', 'concurrency', 'hostile'];

export interface BenchOptions {
  quick?: boolean;
  only?: FigureName[];
  json?: string;
  /** Write docs/bench-results.md (the README quotes it). */
  markdown?: boolean;
  log?: (line: string) => void;
}

const FULL = {
  runs: 5,
  overheadRuns: 20,
  cacheFiles: 50_000,
  cacheMegabytes: 300,
  logMegabytes: 200,
  fanOutJobs: 1000,
  concurrentPipelines: 500,
  referenceSeconds: 60,
  referenceJobs: 3,
};
const QUICK = {
  runs: 3,
  overheadRuns: 8,
  cacheFiles: 5_000,
  cacheMegabytes: 30,
  logMegabytes: 20,
  fanOutJobs: 100,
  concurrentPipelines: 50,
  referenceSeconds: 6,
  referenceJobs: 2,
};

/**
 * `slipway bench`: every figure of DESIGN §8 beside its baseline, measured in this session (one process tree:
 * this process, the in-process local runtime and the children the figures start). Figures that fail to run
 * are reported as such; the others still print.
 */
export async function runBench(options: BenchOptions = {}): Promise<Figure[]> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const s = options.quick ? QUICK : FULL;
  const selected = new Set<FigureName>(options.only?.length ? options.only : FIGURES);
  const figures: Figure[] = [];
  const failures: string[] = [];
  const run = async (name: FigureName, fn: () => Promise<Figure[]> | Figure[]) => {
    if (!selected.has(name)) return;
    log(`bench: ${name}…`);
    const t = performance.now();
    try {
      figures.push(...(await fn()));
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
      log(`bench: ${name} failed: ${(e as Error).stack ?? (e as Error).message}`);
    }
    log(`bench: ${name} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };

  await run('idle-cost', () => idleCostFigures(log));
  await run('compile', () => compileFigures(s.runs * 6));
  await run('bundles', () => bundleFigures(s.runs));
  await run('logs', () => logFigures({ ...s, runs: s.runs }));
  await run('cache', () => cacheFigures({ ...s, runs: Math.min(3, s.runs) }));
  await run('local-run', () => localRunFigures(s.runs));
  await run('docker', () => dockerJobFigures(s.runs));
  if (NEEDS_RUNTIME.some((f) => selected.has(f))) {
    const rt = await BenchRuntime.start();
    try {
      await run('hostile', () => hostileConfigFigures(rt, Math.max(2, Math.min(5, s.runs))));
      await run('overhead', () => overheadFigures(rt, s.overheadRuns));
      await run('cost', () => costFigures(rt, { ...s, runs: s.runs }));
      await run('fanout', () => fanOutFigures(rt, s.fanOutJobs));
      await run('concurrency', () => concurrencyFigures(rt, s.concurrentPipelines));
    } finally {
      await rt.stop();
    }
  }

  process.stdout.write(`\n${formatTable(figures)}\n`);
  for (const f of failures) process.stdout.write(`not measured: ${f}\n`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`;
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  if (options.json) {
    mkdirSync(dirname(options.json), { recursive: true });
    writeFileSync(options.json, `${JSON.stringify({ date: when, machine, quick: Boolean(options.quick), figures, failures }, null, 2)}\n`);
  }
  if (options.markdown) {
    const header = `# Benchmark results\n\n\`npm run bench\`${options.quick ? ' -- --quick' : ''}, ${when} UTC, on ${machine}. Ratios are Slipway ÷ baseline, taken run by run in the same session. Regenerate with \`npm run bench -- --markdown\`.${failures.length ? `\n\nNot measured: ${failures.join('; ')}.` : ''}`;
    writeFileSync(join(slipwayRoot(), 'docs', 'bench-results.md'), formatMarkdown(figures, header));
  }
  return figures;
}
