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

  async release(key: string): Promise<void> {
    await this.table.delete({ pk: `DEDUPE#${key}`, sk: 'META' });
  }
}
