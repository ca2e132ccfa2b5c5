import { randomUUID } from 'node:crypto';
import type { DedupeStore } from './dedupe-store';

export function defineDedupeStoreContract(name: string, factory: () => Promise<DedupeStore>): void {
  describe(`DedupeStore contract: ${name}`, () => {
    let store: DedupeStore;
    beforeAll(async () => {
      store = await factory();
    });

    it('lets exactly one of many concurrent claims win', async () => {
      const key = randomUUID();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.claim(key, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('allows a claim again once the record expired, checked on read', async () => {
      const key = randomUUID();
      const t0 = new Date('2026-01-01T00:00:00Z');
      expect(await store.claim(key, 60, t0)).toBe(true);
      expect(await store.claim(key, 60, new Date(t0.getTime() + 30_000))).toBe(false);
      expect(await store.claim(key, 60, new Date(t0.getTime() + 61_000))).toBe(true);
    });

    it('allows a claim again after release', async () => {
      const key = randomUUID();
      expect(await store.claim(key, 60)).toBe(true);
      await store.release(key);
      await store.release(key);
      expect(await store.claim(key, 60)).toBe(true);
    });

    it('counts concurrent hits atomically, each count seen once', async () => {
      const key = randomUUID();
      const t0 = new Date('2026-01-01T00:00:00Z');
      const counts = await Promise.all(Array.from({ length: 8 }, () => store.count(key, 60, t0)));
      expect([...counts].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('starts a counter again at 1 once it expired, checked on read, and never extends it', async () => {
      const key = randomUUID();
      const t0 = new Date('2026-01-01T00:00:00Z');
      expect(await store.count(key, 60, t0)).toBe(1);
      expect(await store.count(key, 60, new Date(t0.getTime() + 59_000))).toBe(2);
      expect(await store.count(key, 60, new Date(t0.getTime() + 61_000))).toBe(1);
      expect(await store.count(key, 60, new Date(t0.getTime() + 62_000))).toBe(2);
    });
  });
}
