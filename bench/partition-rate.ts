import type { KeyWrites } from '../shared/adapters/aws/dynamo-capacity';
import type { RequestSnapshot } from '../shared/adapters/aws/request-counter';
import { figure, type Figure } from './report';
import { round } from './stats';

/**
 * DynamoDB's throughput limit per partition: 1,000 write units a second (and 3,000 read units), whatever the
 * table's mode (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html).
 * One partition key value is held by one partition unless DynamoDB splits its item collection by sort key.
 */
export const PARTITION_WRITE_UNITS_PER_SECOND = 1000;

/** The burst the scale figures assume: every job of the fan-out finishing within this many seconds (AWS speed). */
export const BURST_SECONDS = 10;

export interface HotPartition {
  /** The key with its ids elided, e.g. `WF#…` or `gsi2:ACTIVE#WORKFLOW`. */
  readonly kind: string;
  readonly key: string;
  readonly units: number;
  readonly requests: number;
  /** Write units a second on that key if all of its writes fell within the burst. */
  readonly unitsPerSecond: number;
  /** `unitsPerSecond` ÷ the per-partition limit. */
  readonly shareOfLimit: number;
}

/** A partition key with its ids (uuids, long hex or numeric runs) elided, so that keys of one kind read alike. */
export function keyKind(key: string): string {
  return key.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '…').replace(/\b[0-9a-z]{20,}\b/gi, '…');
}

/**
 * The partition keys ordered by the write units they took, hottest first, each with its write rate if all its
 * writes fell within `seconds` (the whole run compressed into the burst: the worst case for every key).
 */
export function hotPartitions(writesByKey: Readonly<Record<string, Readonly<KeyWrites>>>, seconds = BURST_SECONDS): HotPartition[] {
  return Object.entries(writesByKey)
    .map(([key, w]) => ({
      kind: keyKind(key),
      key,
      units: w.units,
      requests: w.requests,
      unitsPerSecond: w.units / seconds,
      shareOfLimit: w.units / seconds / PARTITION_WRITE_UNITS_PER_SECOND,
    }))
    .sort((a, b) => b.units - a.units || a.key.localeCompare(b.key));
}

/**
 * What the run's Lambda functions need to do the same work within `seconds`: concurrent executions by Little's
 * law (busy handler time ÷ the window), per function.
 */
export function burstConcurrency(snap: RequestSnapshot, seconds = BURST_SECONDS): Record<string, number> {
  return Object.fromEntries(Object.entries(snap.invocations).map(([fn, t]) => [fn, t.ms / 1000 / seconds]));
}

/**
 * The FIFO events queue delivers one workflow's messages in order, one batch at a time (its message group is the
 * workflow id): the rate at which one workflow's events can be consumed, from the measured conductor batches.
 */
export function serialGroupRate(snap: RequestSnapshot): number | null {
  const conductor = snap.invocations.conductor;
  const events = Object.entries(snap.sqsReceivesByQueue).find(([q]) => q.endsWith('.fifo'))?.[1];
  if (!conductor?.count || !events?.messages) return null;
  return events.messages / conductor.count / (conductor.ms / conductor.count / 1000);
}

/** Messages the FIFO (events) queue delivered during the run. */
function fifoMessages(snap: RequestSnapshot): number {
  return Object.entries(snap.sqsReceivesByQueue).find(([q]) => q.endsWith('.fifo'))?.[1].messages ?? 0;
}

/** The fan-out's scale figures: hottest partition at AWS speed, and the Lambda concurrency and queue rate that burst needs. */
export function partitionFigures(snap: RequestSnapshot, jobs: number): Figure[] {
  const group = `${jobs}-job fan-out/fan-in`;
  const hot = hotPartitions(snap.writesByPartitionKey);
  const top = hot[0];
  const next = hot
    .slice(0, 5)
    .map((h) => `${h.kind} ${round(h.units, 0)} units in ${h.requests} writes (${round(h.unitsPerSecond, 1)}/s)`)
    .join('; ');
  const concurrency = burstConcurrency(snap);
  const totalConcurrency = Object.values(concurrency).reduce((a, b) => a + b, 0);
  const sends = Object.entries(snap.requests.SQS ?? {}).reduce((n, [op, c]) => n + (op.startsWith('SendMessage') ? c : 0), 0);
  const groupRate = serialGroupRate(snap);
  return [
    figure({
      group,
      figure: `hottest partition key, all jobs in ${BURST_SECONDS} s`,
      unit: 'WCU/s',
      slipway: top ? top.unitsPerSecond : 0,
      baseline: PARTITION_WRITE_UNITS_PER_SECOND,
      baselineLabel: 'DynamoDB per-partition write limit',
      target: '≤ 50% of the limit (ratio ≤ 0.5)',
      pass: (top?.shareOfLimit ?? 0) <= 0.5,
      note: `Every write of the run on one key compressed into ${BURST_SECONDS} s (measured write units per partition key, index keys as gsiN:…). Hottest keys: ${next}.`,
    }),
    figure({
      group,
      figure: `Lambda concurrency for all jobs in ${BURST_SECONDS} s`,
      unit: '',
      slipway: totalConcurrency,
      baseline: 1000,
      baselineLabel: 'default account concurrency',
      target: '-',
      note: `Measured handler time ÷ ${BURST_SECONDS} s, per function: ${Object.entries(concurrency)
        .map(([fn, c]) => `${fn} ${round(c, 1)}`)
        .join(
          ', ',
        )}. SQS sends ${round(sends / BURST_SECONDS, 0)}/s in that burst (standard queues: no practical limit; FIFO: 300 API calls/s per action, 3,000 messages/s batched, more in high-throughput mode). ${groupRate === null ? '' : `One workflow's events are one FIFO message group, consumed one batch at a time: ${round(groupRate, 1)} messages/s at the measured conductor batch time, against the ${round(fifoMessages(snap) / BURST_SECONDS, 1)}/s (${fifoMessages(snap)} messages this run) a ${BURST_SECONDS} s finish would bring.`}`,
    }),
  ];
}
