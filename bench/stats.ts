/** Small statistics for the bench: medians and percentiles of repeated measurements. */

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]): number => percentile(values, 50);

/** Runs `fn` `warmups` times unmeasured, then `runs` times; resolves each run's result. */
export async function repeat<T>(runs: number, warmups: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  for (let i = 0; i < warmups; i++) await fn(-1 - i);
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

/** Wall time of `fn` in milliseconds. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Median of the per-run ratios a/b (pairs measured back to back, so machine noise cancels out). */
export function pairedRatio(pairs: Array<[number, number]>): number {
  return median(pairs.map(([a, b]) => a / b));
}

export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);
