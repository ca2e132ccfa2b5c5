import { RequestCounter } from '../shared/adapters/aws/request-counter';
import { burstConcurrency, hotPartitions, keyKind, partitionFigures, serialGroupRate } from './partition-rate';

describe('partition write rates at AWS speed', () => {
  it('orders keys by write units and rates each as if all its writes fell in the burst', () => {
    const hot = hotPartitions(
      {
        'WORKFLOW#0b5c1e7a-1111-4222-8333-944455556666': { requests: 5000, units: 9000 },
        'gsi2:ACTIVE#WORKFLOW': { requests: 2, units: 4 },
        'gsi2:PROJECT#gh/o/r#JOBS': { requests: 4000, units: 6000 },
      },
      10,
    );
    expect(hot.map((h) => [h.kind, h.unitsPerSecond, h.shareOfLimit])).toEqual([
      ['WORKFLOW#…', 900, 0.9],
      ['gsi2:PROJECT#gh/o/r#JOBS', 600, 0.6],
      ['gsi2:ACTIVE#WORKFLOW', 0.4, 0.0004],
    ]);
  });

  it('elides ids from keys but keeps their kind', () => {
    expect(keyKind('JOB#0b5c1e7a-1111-4222-8333-944455556666#T#0')).toBe('JOB#…#T#0');
    expect(keyKind('PROJECT#gh/bench/fanout-100#JOBS')).toBe('PROJECT#gh/bench/fanout-100#JOBS');
  });

  it('derives the burst concurrency and the FIFO group rate from measured handler time and deliveries', () => {
    const counter = new RequestCounter();
    for (let i = 0; i < 4; i++) counter.recordInvocation('conductor', 250);
    counter.recordInvocation('api', 1000);
    const snap = { ...counter.snapshot(), sqsReceivesByQueue: { 'slipway-events.fifo': { receives: 6, empty: 2, messages: 20 } } };
    // 1 s of conductor time and 1 s of API time over 10 s: 0.1 concurrent each.
    expect(burstConcurrency(snap, 10)).toEqual({ conductor: 0.1, api: 0.1 });
    // 5 messages per 250 ms batch.
    expect(serialGroupRate(snap)).toBe(20);
    expect(serialGroupRate({ ...snap, sqsReceivesByQueue: {} })).toBeNull();
  });

  it('passes the hottest key at up to half the per-partition limit and fails it above', () => {
    const snap = (units: number) => ({ ...new RequestCounter().snapshot(), writesByPartitionKey: { 'WORKFLOW#x': { requests: 1, units } } });
    expect(partitionFigures(snap(5000), 1000)[0]).toMatchObject({ slipway: 500, ratio: 0.5, pass: true });
    expect(partitionFigures(snap(5010), 1000)[0]).toMatchObject({ ratio: 0.5, pass: false });
  });
});
