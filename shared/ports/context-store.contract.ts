import { randomUUID } from 'node:crypto';
import type { Context } from '../model/entities';
import type { ContextStore } from './context-store';

function aContext(overrides: Partial<Context> = {}): Context {
  return {
    id: randomUUID(),
    name: `ctx-${randomUUID().slice(0, 6)}`,
    ownerSlug: `gh/org${randomUUID().slice(0, 6)}`,
    ownerId: randomUUID(),
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

/** The behaviour every ContextStore adapter must have (house rule 3). */
export function defineContextStoreContract(name: string, factory: () => Promise<ContextStore>): void {
  describe(`ContextStore contract: ${name}`, () => {
    let store: ContextStore;
    beforeAll(async () => {
      store = await factory();
    });

    it('keeps context names unique per owner, also under concurrent creates', async () => {
      const c = aContext();
      const results = await Promise.all([
        store.createContext(c),
        store.createContext({ ...c, id: randomUUID() }),
        store.createContext({ ...c, id: randomUUID() }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.createContext({ ...aContext(), name: c.name, ownerSlug: 'gh/other' + c.ownerSlug.slice(3) })).toBe(true);
      const found = await store.getContextByName(c.ownerSlug, c.name);
      expect(found?.name).toBe(c.name);
      expect(await store.getContext(found!.id)).toEqual(found);
    });

    it('lists an owner’s contexts by name with pagination', async () => {
      const owner = `gh/org${randomUUID().slice(0, 6)}`;
      for (const n of ['b', 'a', 'c']) await store.createContext(aContext({ ownerSlug: owner, name: n }));
      const first = await store.listContexts(owner, { limit: 2 });
      expect(first.items.map((c) => c.name)).toEqual(['a', 'b']);
      const rest = await store.listContexts(owner, { limit: 2, pageToken: first.nextPageToken! });
      expect(rest.items.map((c) => c.name)).toEqual(['c']);
    });

    it('stores, overwrites and deletes variables, keeping the first creation time', async () => {
      const c = aContext();
      await store.createContext(c);
      await store.putVariable({ contextId: c.id, name: 'A', encryptedValue: 'x', createdAt: 't1', updatedAt: 't1' });
      const second = await store.putVariable({ contextId: c.id, name: 'A', encryptedValue: 'y', createdAt: 't2', updatedAt: 't2' });
      expect(second).toEqual(expect.objectContaining({ createdAt: 't1', updatedAt: 't2', encryptedValue: 'y' }));
      expect((await store.listVariables(c.id)).map((v) => v.encryptedValue)).toEqual(['y']);
      expect(await store.deleteVariable(c.id, 'A')).toBe(true);
      expect(await store.deleteVariable(c.id, 'A')).toBe(false);
    });

    it('stores and deletes restrictions; deleting a context removes everything and frees its name', async () => {
      const c = aContext();
      await store.createContext(c);
      await store.putRestriction({ id: 'r1', contextId: c.id, type: 'project', value: 'p1', name: 'demo', createdAt: '2026-01-01T00:00:00Z' });
      await store.putRestriction({
        id: 'r2',
        contextId: c.id,
        type: 'expression',
        value: 'pipeline.git.branch == "main"',
        name: '',
        createdAt: '2026-01-02T00:00:00Z',
      });
      expect((await store.listRestrictions(c.id)).map((r) => r.id)).toEqual(['r1', 'r2']);
      expect(await store.deleteRestriction(c.id, 'r1')).toBe(true);
      expect(await store.deleteRestriction(c.id, 'r1')).toBe(false);
      await store.putVariable({ contextId: c.id, name: 'A', encryptedValue: 'x', createdAt: 't', updatedAt: 't' });
      expect(await store.deleteContext(c.id)).toBe(true);
      expect(await store.deleteContext(c.id)).toBe(false);
      expect(await store.getContext(c.id)).toBeUndefined();
      expect(await store.listVariables(c.id)).toEqual([]);
      expect(await store.createContext({ ...c, id: randomUUID() })).toBe(true);
    });
  });
}
