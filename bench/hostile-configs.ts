import { anchoredSteps, commandCycle, doublingCommands, parameterChain, wideMatrix } from '../test/support/hostile-configs';
import type { BenchRuntime } from './bench-runtime';
import { figure, type Figure } from './report';
import { median, percentile } from './stats';

const SMALL = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps: [checkout, { run: make test }]
workflows:
  main:
    jobs: [build]
`;

const BOMBS: Array<[string, string]> = [
  ['doubling commands (2^30 steps)', doublingCommands(30)],
  ['5 × 10 matrix (100,000 jobs)', wideMatrix(5, 10)],
  ['self-calling command', commandCycle(1)],
  ['doubled string parameter (2^40)', parameterChain(40)],
  ['anchored step lists', anchoredSteps(6, 8)],
];

/** Milliseconds of one compile request; refused says whether it answered 400 naming a limit. */
async function compileOnce(rt: BenchRuntime, config: string): Promise<{ ms: number; refused: boolean }> {
  const t = performance.now();
  try {
    await rt.api('POST', '/api/v2/compile-config-with-defaults', { config_yaml: config });
    return { ms: performance.now() - t, refused: false };
  } catch (e) {
    const ms = performance.now() - t;
    return { ms, refused: /HTTP 400 .*(\(limit |invokes itself)/.test((e as Error).message) };
  }
}

/** `/healthz` latencies polled until `done` settles. */
async function healthDuring(rt: BenchRuntime, done: Promise<unknown>): Promise<number[]> {
  let over = false;
  void done.finally(() => (over = true));
  const out: number[] = [];
  while (!over) {
    const t = performance.now();
    await rt.api('GET', '/healthz');
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * DESIGN §8: a hostile config is refused in under a second while `/healthz` keeps answering (p99 ≤ 200 ms).
 * Each bomb goes through the compile endpoint `runs` times; the baseline is a small valid config.
 */
export async function hostileConfigFigures(rt: BenchRuntime, runs: number): Promise<Figure[]> {
  const small: number[] = [];
  for (let i = 0; i < runs; i++) small.push((await compileOnce(rt, SMALL)).ms);
  const idle: number[] = [];
  for (let i = 0; i < runs * 20; i++) {
    const t = performance.now();
    await rt.api('GET', '/healthz');
    idle.push(performance.now() - t);
  }
  const times: Array<{ name: string; ms: number; refused: boolean }> = [];
  const bombs = (async () => {
    for (let i = 0; i < runs; i++) for (const [name, config] of BOMBS) times.push({ name, ...(await compileOnce(rt, config)) });
  })();
  const health = await healthDuring(rt, bombs);
  await bombs;
  const worst = times.reduce((a, b) => (b.ms > a.ms ? b : a));
  const allRefused = times.every((t) => t.refused);
  return [
    figure({
      group: 'hostile configs',
      figure: 'worst refusal time',
      unit: 'ms',
      slipway: worst.ms,
      baseline: median(small),
      baselineLabel: 'compile of a small valid config, median',
      target: '< 1,000 ms, each refused naming its limit',
      pass: worst.ms < 1000 && allRefused,
      note: `Worst: ${worst.name}. ${BOMBS.length} bombs × ${runs} through POST /api/v2/compile-config-with-defaults${allRefused ? '' : '; SOME WERE NOT REFUSED'}.`,
    }),
    figure({
      group: 'hostile configs',
      figure: '/healthz p99 while compiling bombs',
      unit: 'ms',
      slipway: percentile(health, 99),
      baseline: percentile(idle, 99),
      baselineLabel: '/healthz p99 idle',
      target: '≤ 200 ms',
      pass: percentile(health, 99) <= 200,
      note: `${health.length} probes during the bombs.`,
    }),
  ];
}
