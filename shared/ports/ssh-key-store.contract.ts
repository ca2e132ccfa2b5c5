import { randomUUID } from 'node:crypto';
import type { SshKeyStore, StoredSshKey } from './ssh-key-store';

export function defineSshKeyStoreContract(name: string, factory: () => Promise<SshKeyStore>): void {
  describe(`SshKeyStore contract: ${name}`, () => {
    let store: SshKeyStore;
    beforeAll(async () => {
      store = await factory();
    });
    const project = () => `gh/acme/${randomUUID().slice(0, 8)}`;
    const key = (projectSlug: string, over: Partial<StoredSshKey> = {}): StoredSshKey => ({
      projectSlug,
      kind: 'additional',
      fingerprint: 'aa:bb:cc',
      sha256Fingerprint: 'SHA256:abc',
      publicKey: 'ssh-ed25519 AAAA',
      hostname: 'github.com',
      encryptedPrivateKey: 'cipher-text',
      createdAt: '2026-01-01T00:00:01.000Z',
      ...over,
    });

    it('stores a key once per project, kind, fingerprint and host name', async () => {
      const slug = project();
      const k = key(slug);
      expect(await store.put(k)).toBe(true);
      expect(await store.put({ ...k, encryptedPrivateKey: 'other', createdAt: '2026-01-02T00:00:00.000Z' })).toBe(false);
      expect(await store.put({ ...k, hostname: 'gitlab.com' })).toBe(true);
      expect(await store.put({ ...k, kind: 'checkout', hostname: undefined, type: 'deploy-key' })).toBe(true);
      expect(await store.list(slug, 'additional')).toEqual([k, { ...k, hostname: 'gitlab.com' }]);
      expect(await store.list(slug, 'checkout')).toEqual([{ ...k, kind: 'checkout', hostname: undefined, type: 'deploy-key' }]);
      expect(await store.list(project(), 'additional')).toEqual([]);
    });

    it('lists keys oldest first', async () => {
      const slug = project();
      const newer = key(slug, { fingerprint: '01', createdAt: '2026-01-03T00:00:00.000Z' });
      const older = key(slug, { fingerprint: '02', createdAt: '2026-01-02T00:00:00.000Z' });
      await store.put(newer);
      await store.put(older);
      expect((await store.list(slug, 'additional')).map((k) => k.fingerprint)).toEqual(['02', '01']);
    });

    it('deletes one key and reports a second delete as nothing deleted', async () => {
      const slug = project();
      const a = key(slug, { hostname: '' });
      const b = key(slug, { hostname: 'example.com' });
      await store.put(a);
      await store.put(b);
      expect(await store.delete(a)).toBe(true);
      expect(await store.delete(a)).toBe(false);
      expect(await store.list(slug, 'additional')).toEqual([b]);
    });
  });
}
