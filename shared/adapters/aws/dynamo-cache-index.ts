import type { CacheEntry, CacheIndex } from '../../ports/cache-index';
import type { DynamoTable } from './dynamo-table';

const partition = (projectSlug: string) => `CACHES#${projectSlug}`;
const COMPLETE = { sk: 'COMPLETE' };

/**
 * The cache index in the single table: `CACHES#<project>` / `KEY#<cache key>` with `savedAt` and `expiresAt` (epoch
 * seconds, the table's TTL attribute, so entries go when their objects do, at no cost); `CACHES#<project>` /
 * `COMPLETE` once the project's older caches were added. One query per restored key; a key prefix is a sort-key
 * prefix.
 */
export class DynamoCacheIndex implements CacheIndex {
  constructor(private readonly table: DynamoTable) {}

  async record(projectSlug: string, entries: CacheEntry[]): Promise<void> {
    const item = (e: CacheEntry) => ({
      pk: partition(projectSlug),
      sk: `KEY#${e.key}`,
      entity: 'cache',
      savedAt: e.savedAt,
      expiresAt: Math.ceil(Date.parse(e.expiresAt) / 1000),
    });
    await this.table.putMany(entries.map(item));
  }

  async find(projectSlug: string, prefix: string, now: Date): Promise<CacheEntry[]> {
    const items = await this.table.queryAll({ partition: partition(projectSlug), prefix: `KEY#${prefix}` });
    const nowSec = now.getTime() / 1000;
    return items
      .filter((i) => Number(i.expiresAt) > nowSec)
      .map((i) => ({ key: String(i.sk).slice('KEY#'.length), savedAt: String(i.savedAt), expiresAt: new Date(Number(i.expiresAt) * 1000).toISOString() }))
      .sort((a, b) => (a.savedAt < b.savedAt ? 1 : a.savedAt > b.savedAt ? -1 : a.key < b.key ? 1 : -1));
  }

  async isComplete(projectSlug: string): Promise<boolean> {
    return Boolean(await this.table.get({ pk: partition(projectSlug), ...COMPLETE }));
  }

  async markComplete(projectSlug: string): Promise<void> {
    await this.table.put({ pk: partition(projectSlug), ...COMPLETE, entity: 'cache-index' });
  }
}
