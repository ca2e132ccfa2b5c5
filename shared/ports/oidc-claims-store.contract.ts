import { randomUUID } from 'node:crypto';
import type { OidcClaimsStore } from './oidc-claims-store';

export function defineOidcClaimsStoreContract(name: string, factory: () => Promise<OidcClaimsStore>): void {
  describe(`OidcClaimsStore contract: ${name}`, () => {
    let store: OidcClaimsStore;
    beforeAll(async () => {
      store = await factory();
    });

    it('keeps an organisation and its projects apart', async () => {
      const orgId = randomUUID();
      const projectId = randomUUID();
      expect(await store.get(orgId)).toBeUndefined();
      await store.put({ orgId, audience: ['org-aud'], audienceUpdatedAt: '2026-01-01T00:00:00.000Z' });
      await store.put({ orgId, projectId, ttl: '30m', ttlUpdatedAt: '2026-01-02T00:00:00.000Z' });
      expect(await store.get(orgId)).toEqual({ orgId, audience: ['org-aud'], audienceUpdatedAt: '2026-01-01T00:00:00.000Z' });
      expect(await store.get(orgId, projectId)).toEqual({ orgId, projectId, ttl: '30m', ttlUpdatedAt: '2026-01-02T00:00:00.000Z' });
    });

    it('replaces a record on put and forgets it on delete, twice safely', async () => {
      const orgId = randomUUID();
      await store.put({ orgId, audience: ['a'] });
      await store.put({ orgId, ttl: '2h' });
      expect(await store.get(orgId)).toEqual({ orgId, ttl: '2h' });
      await store.delete(orgId);
      await store.delete(orgId);
      expect(await store.get(orgId)).toBeUndefined();
    });
  });
}
