import { Readable } from 'node:stream';
import type { BlobStore } from './blob-store';

export function defineBlobStoreContract(name: string, factory: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    beforeAll(async () => {
      store = await factory();
    });

    it('round-trips bytes, streams and reports missing keys as undefined', async () => {
      await store.put('a/one.txt', 'hello');
      expect((await store.get('a/one.txt'))?.toString()).toBe('hello');
      const big = Buffer.alloc(6 * 1024 * 1024, 7);
      await store.put('a/big.bin', Readable.from([big.subarray(0, 3_000_000), big.subarray(3_000_000)]));
      expect((await store.get('a/big.bin'))?.equals(big)).toBe(true);
      expect((await store.head('a/big.bin'))?.size).toBe(big.length);
      expect(await store.get('a/missing')).toBeUndefined();
      expect(await store.head('a/missing')).toBeUndefined();
    });

    it('lists every key under a prefix in order, across pages', async () => {
      const keys = Array.from({ length: 1005 }, (_, i) => `list/${String(i).padStart(5, '0')}`);
      for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => store.put(k, 'x')));
      expect((await store.list('list/')).map((b) => b.key)).toEqual(keys);
      await store.delete(keys);
      expect(await store.list('list/')).toEqual([]);
      // 1,005 writes and a paged listing: on a loaded 2-core machine the emulator takes well over the default 30 s.
    }, 180_000);

    it('issues presigned URLs that upload and download without credentials', async () => {
      const put = await store.presignPut('signed/file.txt', 60);
      const res = await fetch(put, { method: 'PUT', body: 'via url' });
      expect(res.status).toBe(200);
      const get = await store.presignGet('signed/file.txt', 60);
      expect(await (await fetch(get)).text()).toBe('via url');
    });
  });
}
