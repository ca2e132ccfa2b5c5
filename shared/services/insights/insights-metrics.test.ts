import { bucketOf, durationMetrics, percentile, runMetrics, trend, type Run } from './insights-metrics';
import { dateWindow, reportingWindow } from './insights';

const run = (status: string, stoppedAt: string, durationSecs: number): Run => ({ status, startedAt: stoppedAt, stoppedAt, durationSecs });

describe('insights metrics', () => {
  it('computes min, mean, median, p95, max and the standard deviation of durations', () => {
    expect(durationMetrics([10, 20, 30, 40])).toEqual({ min: 10, mean: 25, median: 25, p95: 40, max: 40, standard_deviation: 11.18 });
    expect(durationMetrics([7])).toEqual({ min: 7, mean: 7, median: 7, p95: 7, max: 7, standard_deviation: 0 });
    expect(durationMetrics([])).toEqual({ min: null, mean: null, median: null, p95: null, max: null, standard_deviation: null });
  });

  it('takes the nearest-rank percentile', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 95), percentile(values, 50), percentile(values, 100), percentile([3], 95), percentile([], 95)]).toEqual([95, 50, 100, 3, 0]);
  });

  it('counts runs, success rate and throughput, with durations of the successful runs only', () => {
    const m = runMetrics(
      [
        run('success', '2026-11-01T00:00:10Z', 10),
        run('failed', '2026-11-01T00:01:00Z', 100),
        run('success', '2026-11-01T00:02:00Z', 30),
        run('canceled', '2026-11-01T00:03:00Z', 5),
      ],
      2,
    );
    expect(m).toMatchObject({
      total_runs: 4,
      successful_runs: 2,
      failed_runs: 1,
      success_rate: 0.5,
      throughput: 2,
      total_credits_used: 0,
      total_duration_secs: 145,
    });
    expect(m.duration_metrics).toMatchObject({ min: 10, max: 30, mean: 20, median: 20 });
  });

  it('measures the mean time to recovery from the first failure to the next success', () => {
    const m = runMetrics(
      [
        run('failed', '2026-11-01T00:00:00Z', 1),
        run('failed', '2026-11-01T00:01:00Z', 1),
        run('success', '2026-11-01T00:02:00Z', 1),
        run('error', '2026-11-01T01:00:00Z', 1),
        run('success', '2026-11-01T01:00:40Z', 1),
      ],
      1,
    );
    expect([m.mttr, m.total_recoveries]).toEqual([80, 2]);
    expect(runMetrics([run('failed', '2026-11-01T00:00:00Z', 1)], 1).mttr).toBeNull();
  });

  it('gives trends as relative change, 0 without a previous value', () => {
    expect([trend(15, 10), trend(5, 10), trend(3, 0), trend(null, 4)]).toEqual([0.5, -0.5, 0, 0]);
  });

  it('buckets times by UTC day or hour', () => {
    expect(bucketOf('2026-11-29T15:23:46.123Z', 'daily')).toBe('2026-11-29T00:00:00.000Z');
    expect(bucketOf('2026-11-29T15:23:46.123Z', 'hourly')).toBe('2026-11-29T15:00:00.000Z');
  });

  it('reads reporting windows and date ranges as CircleCI does, refusing bad ones', () => {
    const now = new Date('2026-11-29T00:00:00Z');
    expect(reportingWindow(now, 'last-7-days').start.toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(reportingWindow(now, undefined).start.toISOString()).toBe('2026-08-31T00:00:00.000Z');
    expect(() => reportingWindow(now, 'last-year')).toThrow(/reporting-window must be one of/);
    expect(dateWindow(now, '2026-11-01T00:00:00Z', undefined)).toEqual({ start: new Date('2026-11-01T00:00:00Z'), end: now });
    expect(() => dateWindow(now, undefined, '2026-11-01T00:00:00Z')).toThrow(/end-date needs a start-date/);
    expect(() => dateWindow(now, '2026-01-01T00:00:00Z', '2026-11-01T00:00:00Z')).toThrow(/at most 90 days/);
    expect(() => dateWindow(now, 'yesterday', undefined)).toThrow(/ISO 8601/);
  });
});
