/** The arithmetic of CircleCI Insights, pure: runs in, metrics out (all durations in whole seconds). */

/** One completed run of a workflow or job. */
export interface Run {
  status: string;
  /** When the run was created (workflows) or started (jobs), ISO. */
  startedAt: string;
  stoppedAt: string;
  /** Seconds from start to stop. */
  durationSecs: number;
}

export interface DurationMetrics {
  min: number | null;
  mean: number | null;
  median: number | null;
  p95: number | null;
  max: number | null;
  standard_deviation: number | null;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Min, mean, median, p95, max and (population) standard deviation; all `null` without values. */
export function durationMetrics(values: number[]): DurationMetrics {
  if (!values.length) return { min: null, mean: null, median: null, p95: null, max: null, standard_deviation: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const variance = sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / sorted.length;
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    min: sorted[0],
    mean: Math.round(mean),
    median: Math.round(median),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1],
    standard_deviation: Math.round(Math.sqrt(variance) * 100) / 100,
  };
}

const FAILED = new Set(['failed', 'error', 'infrastructure_fail', 'timedout', 'unauthorized']);

export interface RunMetrics {
  total_runs: number;
  successful_runs: number;
  failed_runs: number;
  success_rate: number;
  /** Average runs per day over the window. */
  throughput: number;
  /** Mean seconds from a failed run to the next successful one; `null` without recoveries. */
  mttr: number | null;
  total_recoveries: number;
  total_credits_used: number;
  /** Durations of the successful runs, as CircleCI reports them. */
  duration_metrics: DurationMetrics;
  /** Sum of all runs' durations. */
  total_duration_secs: number;
}

/** The metrics of a set of completed runs over a window of `windowDays` days. */
export function runMetrics(runs: Run[], windowDays: number): RunMetrics {
  const ordered = [...runs].sort((a, b) => a.stoppedAt.localeCompare(b.stoppedAt));
  const successful = ordered.filter((r) => r.status === 'success');
  const failed = ordered.filter((r) => FAILED.has(r.status));
  let failingSince: number | undefined;
  const recoveries: number[] = [];
  for (const r of ordered) {
    if (FAILED.has(r.status)) failingSince ??= Date.parse(r.stoppedAt);
    else if (r.status === 'success' && failingSince !== undefined) {
      recoveries.push((Date.parse(r.stoppedAt) - failingSince) / 1000);
      failingSince = undefined;
    }
  }
  return {
    total_runs: ordered.length,
    successful_runs: successful.length,
    failed_runs: failed.length,
    success_rate: ordered.length ? successful.length / ordered.length : 0,
    throughput: windowDays > 0 ? ordered.length / windowDays : 0,
    mttr: recoveries.length ? Math.round(recoveries.reduce((s, v) => s + v, 0) / recoveries.length) : null,
    total_recoveries: recoveries.length,
    total_credits_used: 0,
    duration_metrics: durationMetrics(successful.map((r) => r.durationSecs)),
    total_duration_secs: ordered.reduce((s, r) => s + r.durationSecs, 0),
  };
}

/** Relative change from the previous window to the current one (0 when there is nothing to compare with). */
export function trend(current: number | null, previous: number | null): number {
  if (current === null || previous === null || previous === 0) return 0;
  return (current - previous) / previous;
}

/** Groups values by a key, keeping first-seen order. */
export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Start of the UTC day or hour of an ISO time, ISO. */
export function bucketOf(iso: string, granularity: 'daily' | 'hourly'): string {
  const d = new Date(iso);
  if (granularity === 'daily') d.setUTCHours(0, 0, 0, 0);
  else d.setUTCMinutes(0, 0, 0);
  return d.toISOString();
}
