import type { TestCaseResult } from '../shared/model/job-spec';

export type SplitBy = 'name' | 'filesize' | 'timings';
export type TimingsType = 'filename' | 'classname' | 'testname' | 'autodetect';

const norm = (s: string) => s.replace(/^\.\//, '');

/**
 * Timing (seconds) per test item from stored results: by file (default), class name or test name.
 * `autodetect` keys by file when the items look like paths, otherwise by class name.
 */
export function timingsFor(items: string[], tests: TestCaseResult[], type: TimingsType): Map<string, number> {
  const effective = type === 'autodetect' ? (items.some((i) => i.includes('/') || /\.\w+$/.test(i)) ? 'filename' : 'classname') : type;
  const totals = new Map<string, number>();
  for (const t of tests) {
    const key = effective === 'filename' ? (t.file ? norm(t.file) : '') : effective === 'classname' ? t.classname : t.name;
    if (key) totals.set(key, (totals.get(key) ?? 0) + t.run_time);
  }
  const out = new Map<string, number>();
  for (const item of items) {
    const v = totals.get(norm(item));
    if (v !== undefined) out.set(item, v);
  }
  return out;
}

/**
 * The items of node `index` of `total`: `name` deals sorted names round-robin; `filesize` and `timings` place
 * the heaviest items first on the least-loaded node (ties to the lower index). Deterministic: every node
 * computes the same partition from the same input. Items without a weight get the average known weight.
 */
export function splitItems(items: string[], index: number, total: number, weights?: Map<string, number>): string[] {
  const unique = [...new Set(items.filter(Boolean))].sort();
  if (total <= 1) return unique;
  if (!weights || weights.size === 0) return unique.filter((_, i) => i % total === index);
  const known = [...weights.values()];
  const fallback = known.reduce((a, b) => a + b, 0) / known.length || 1;
  const weighted = unique.map((item) => ({ item, w: weights.get(item) ?? fallback })).sort((a, b) => b.w - a.w || (a.item < b.item ? -1 : 1));
  const loads = Array.from({ length: total }, () => 0);
  const mine: string[] = [];
  for (const { item, w } of weighted) {
    let best = 0;
    for (let n = 1; n < total; n++) if (loads[n] < loads[best]) best = n;
    loads[best] += w;
    if (best === index) mine.push(item);
  }
  return mine.sort();
}
