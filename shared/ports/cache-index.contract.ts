import { randomUUID } from 'node:crypto';
import type { CacheIndex } from './cache-index';

export function defineCacheIndexContract(name: string, factory: () => Promise<CacheIndex>): void {
  describe(`CacheIndex contract: ${name}`, () => {
    let index: CacheIndex;
    beforeAll(async () => {
      index = await factory();
    });
    const project = () => `gh/acme/${randomUUID().slice(0, 8)}`;
    const entry = (key: string, savedAt: string, expiresAt = '2027-01-01T00:00:00.000Z') => ({ key, savedAt, expiresAt });

    it("finds a project's caches by key prefix, newest first, and no other project's", async () => {
      const [p, other] = [project(), project()];
      await index.record(p, [entry('v1-deps-aaa', '2026-12-01T00:00:00.000Z'), entry('v1-deps-bbb', '2026-12-03T00:00:00.000Z')]);
      await index.record(p, [entry('v1-build', '2026-12-04T00:00:00.000Z'), entry('v2-deps-ccc', '2026-12-05T00:00:00.000Z')]);
      await index.record(other, [entry('v1-deps-zzz', '2026-12-06T00:00:00.000Z')]);
      const now = new Date('2026-12-07T00:00:00Z');
      expect((await index.find(p, 'v1-deps-', now)).map((e) => e.key)).toEqual(['v1-deps-bbb', 'v1-deps-aaa']);
      expect((await index.find(p, 'v1-', now)).map((e) => e.key)).toEqual(['v1-build', 'v1-deps-bbb', 'v1-deps-aaa']);
      expect((await index.find(p, 'v1-deps-aaa', now)).map((e) => e.key)).toEqual(['v1-deps-aaa']);
      expect(await index.find(p, 'v3', now)).toEqual([]);
      expect(await index.find(p, 'v1-deps-bbb', now)).toEqual([entry('v1-deps-bbb', '2026-12-03T00:00:00.000Z')]);
    });

    it('keeps the last record of a key, and leaves out expired entries', async () => {
      const p = project();
      await index.record(p, [entry('k', '2026-12-01T00:00:00.000Z', '2026-12-16T00:00:00.000Z')]);
      await index.record(p, [entry('k', '2026-12-05T00:00:00.000Z', '2026-12-20T00:00:00.000Z')]);
      expect(await index.find(p, 'k', new Date('2026-12-10T00:00:00Z'))).toEqual([entry('k', '2026-12-05T00:00:00.000Z', '2026-12-20T00:00:00.000Z')]);
      expect(await index.find(p, 'k', new Date('2026-12-21T00:00:00Z'))).toEqual([]);
    });

    it('records many entries at once, and knows whether a project is complete', async () => {
      const p = project();
      expect(await index.isComplete(p)).toBe(false);
      await index.record(
        p,
        Array.from({ length: 60 }, (_, i) => entry(`many-${String(i).padStart(2, '0')}`, new Date(Date.UTC(2026, 11, 1, 0, i)).toISOString())),
      );
      await index.markComplete(p);
      await index.markComplete(p);
      expect(await index.isComplete(p)).toBe(true);
      const found = await index.find(p, 'many-', new Date('2026-12-07T00:00:00Z'));
      expect(found).toHaveLength(60);
      expect(found[0].key).toBe('many-59');
    });
  });
}
