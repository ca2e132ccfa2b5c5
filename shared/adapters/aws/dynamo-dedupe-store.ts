import type { DedupeStore } from '../../ports/dedupe-store';
import { DynamoTable } from './dynamo-table';

/**
 * Dedupe records `DEDUPE#key` with `expiresAt` (epoch seconds, the table's TTL attribute). The claim's
 * condition also accepts an expired record, so correctness never depends on TTL deletion.
 */
export class DynamoDedupeStore implements DedupeStore {
  constructor(private readonly table: DynamoTable) {}

  async claim(key: string, ttlSeconds: number, now: Date = new Date()): Promise<boolean> {
    const nowSec = Math.floor(now.getTime() / 1000);
    const item = await this.table.update(
      { pk: `DEDUPE#${key}`, sk: 'META' },
      { set: { expiresAt: nowSec + ttlSeconds, claimedAt: now.toISOString() } },
      { expression: 'attribute_not_exists(pk) OR #e < :now', names: { '#e': 'expiresAt' }, values: { ':now': nowSec } },
    );
    return Boolean(item);
  }

  /** `COUNT#key`: ADD on a live counter, else (absent or expired) a conditional reset to 1; retried on a race. */
  async count(key: string, ttlSeconds: number, now: Date = new Date()): Promise<number> {
    const nowSec = Math.floor(now.getTime() / 1000);
    const k = { pk: `COUNT#${key}`, sk: 'META' };
    for (let attempt = 0; attempt < 5; attempt++) {
      const live = await this.table.update(
        k,
        { add: { hits: 1 } },
        { expression: 'attribute_exists(pk) AND #e >= :now', names: { '#e': 'expiresAt' }, values: { ':now': nowSec } },
      );
      if (live) return Number(live.hits);
      const fresh = await this.table.update(
        k,
        { set: { hits: 1, expiresAt: nowSec + ttlSeconds } },
        { expression: 'attribute_not_exists(pk) OR #e < :now', names: { '#e': 'expiresAt' }, values: { ':now': nowSec } },
      );
      if (fresh) return 1;
    }
    throw new Error(`Counter ${key} kept changing under concurrent updates; try again.`);
  }

  async release(key: string): Promise<void> {
    await this.table.delete({ pk: `DEDUPE#${key}`, sk: 'META' });
  }
}
