import { randomUUID } from 'node:crypto';
import type { UserSshKey, UserSshKeyStore } from './user-ssh-key-store';

export function defineUserSshKeyStoreContract(name: string, factory: () => Promise<UserSshKeyStore>): void {
  describe(`UserSshKeyStore contract: ${name}`, () => {
    let store: UserSshKeyStore;
    beforeAll(async () => {
      store = await factory();
    });
    const key = (userId: string, n: number): UserSshKey => ({
      userId,
      title: `key ${n}`,
      publicKey: `ssh-ed25519 AAAA${n}`,
      sha256Fingerprint: `SHA256:fp/${n}+x`,
      fingerprint: `aa:${n}`,
      createdAt: `2026-01-0${n}T00:00:00.000Z`,
    });

    it("keeps each user's keys apart, oldest first, and creates a key once", async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      expect(await store.put(key(a, 2))).toBe(true);
      expect(await store.put(key(a, 1))).toBe(true);
      expect(await store.put({ ...key(a, 1), title: 'again' })).toBe(false);
      expect(await store.put(key(b, 3))).toBe(true);
      expect(await store.list(a)).toEqual([key(a, 1), key(a, 2)]);
      expect(await store.list(b)).toEqual([key(b, 3)]);
    });

    it('deletes a key once', async () => {
      const a = randomUUID();
      await store.put(key(a, 1));
      expect(await store.delete(a, key(a, 1).sha256Fingerprint)).toBe(true);
      expect(await store.delete(a, key(a, 1).sha256Fingerprint)).toBe(false);
      expect(await store.list(a)).toEqual([]);
    });
  });
}
