import { randomUUID } from 'node:crypto';
import type { User } from '../model/entities';
import type { IdentityStore } from './identity-store';

function aUser(overrides: Partial<User> = {}): User {
  return {
    id: randomUUID(),
    login: `user-${randomUUID().slice(0, 8)}`,
    name: 'A User',
    roles: {},
    admin: false,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

/** The behaviour every IdentityStore adapter must have (house rule 3). */
export function defineIdentityStoreContract(name: string, factory: () => Promise<IdentityStore>): void {
  describe(`IdentityStore contract: ${name}`, () => {
    let store: IdentityStore;
    beforeAll(async () => {
      store = await factory();
    });

    it('creates a user once per id and per login, found by either', async () => {
      const u = aUser();
      const results = await Promise.all([store.createUser(u), store.createUser({ ...u, id: randomUUID() }), store.createUser(u)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.getUser(u.id)).toEqual(u);
      expect(await store.getUserByLogin(u.login.toUpperCase())).toEqual(u);
      expect(await store.getUserByLogin('nobody-' + u.login)).toBeUndefined();
      expect((await store.listUsers()).map((x) => x.id)).toContain(u.id);
    });

    it('grants and revokes organisation roles without losing concurrent grants', async () => {
      const u = aUser({ roles: { 'gh/keep': 'viewer' } });
      await store.createUser(u);
      await Promise.all(['gh/a', 'gh/b', 'gh/c'].map((org) => store.setRole(u.id, org, 'member')));
      expect((await store.getUser(u.id))?.roles).toEqual({ 'gh/keep': 'viewer', 'gh/a': 'member', 'gh/b': 'member', 'gh/c': 'member' });
      const revoked = await store.setRole(u.id, 'gh/a', undefined);
      expect(revoked?.roles).toEqual({ 'gh/keep': 'viewer', 'gh/b': 'member', 'gh/c': 'member' });
      expect(await store.setRole(randomUUID(), 'gh/a', 'admin')).toBeUndefined();
    });

    it('links a user to one GitHub account, once, and an account to one user', async () => {
      const [a, b] = [aUser(), aUser()];
      await Promise.all([store.createUser(a), store.createUser(b)]);
      const githubId = Math.floor(Math.random() * 1e9);
      expect(await store.getUserByGithubId(githubId)).toBeUndefined();
      // Two users racing for one account: exactly one gets it.
      const raced = await Promise.all([store.linkGithubAccount(a.id, githubId), store.linkGithubAccount(b.id, githubId)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
      const winner = raced.find(Boolean)!;
      expect(winner.githubId).toBe(githubId);
      expect((await store.getUserByGithubId(githubId))?.id).toBe(winner.id);
      expect(await store.linkGithubAccount(winner.id, githubId)).toMatchObject({ id: winner.id, githubId });
      // A linked user never moves to another account; the loser can take a free one.
      expect(await store.linkGithubAccount(winner.id, githubId + 1)).toBeUndefined();
      const loser = winner.id === a.id ? b : a;
      expect((await store.linkGithubAccount(loser.id, githubId + 1))?.githubId).toBe(githubId + 1);
      expect(await store.linkGithubAccount(randomUUID(), githubId + 2)).toBeUndefined();
    });

    it('gives an account back when the user took another one meanwhile', async () => {
      const u = aUser();
      await store.createUser(u);
      const [first, second] = [Math.floor(Math.random() * 1e9), Math.floor(Math.random() * 1e9) + 1e9];
      const links = await Promise.all([store.linkGithubAccount(u.id, first), store.linkGithubAccount(u.id, second)]);
      expect(links.filter(Boolean)).toHaveLength(1);
      const kept = links.find(Boolean)!.githubId!;
      const other = kept === first ? second : first;
      expect((await store.getUserByGithubId(kept))?.id).toBe(u.id);
      expect(await store.getUserByGithubId(other)).toBeUndefined();
    });

    it('finds tokens by hash only', async () => {
      const u = aUser();
      await store.createUser(u);
      await store.putToken({ hash: 'h-' + u.id, userId: u.id, label: 'ci', createdAt: 'now' });
      expect((await store.getToken('h-' + u.id))?.userId).toBe(u.id);
      expect(await store.getToken('missing')).toBeUndefined();
    });

    it("lists a user's tokens oldest first and revokes one at once", async () => {
      const [u, other] = [aUser(), aUser()];
      await Promise.all([store.createUser(u), store.createUser(other)]);
      await store.putToken({ hash: `b-${u.id}`, userId: u.id, label: 'second', createdAt: '2026-11-02T00:00:00.000Z' });
      await store.putToken({ hash: `a-${u.id}`, userId: u.id, label: 'first', createdAt: '2026-11-01T00:00:00.000Z' });
      await store.putToken({ hash: `c-${other.id}`, userId: other.id, label: 'theirs', createdAt: '2026-11-01T00:00:00.000Z' });
      expect((await store.listTokens(u.id)).map((t) => t.label)).toEqual(['first', 'second']);
      expect(await store.deleteToken(`a-${u.id}`)).toBe(true);
      expect(await store.getToken(`a-${u.id}`)).toBeUndefined();
      expect(await store.deleteToken(`a-${u.id}`)).toBe(false);
      expect((await store.listTokens(u.id)).map((t) => t.label)).toEqual(['second']);
      expect((await store.listTokens(other.id)).map((t) => t.label)).toEqual(['theirs']);
    });

    it('follows and unfollows projects idempotently, per user', async () => {
      const [u, other] = [aUser(), aUser()];
      await Promise.all([store.createUser(u), store.createUser(other)]);
      await Promise.all([
        store.setFollowing(u.id, 'gh/acme/b', true),
        store.setFollowing(u.id, 'gh/acme/a', true),
        store.setFollowing(u.id, 'gh/acme/a', true),
      ]);
      await store.setFollowing(other.id, 'gh/acme/c', true);
      expect(await store.listFollowedProjects(u.id)).toEqual(['gh/acme/a', 'gh/acme/b']);
      await store.setFollowing(u.id, 'gh/acme/a', false);
      await store.setFollowing(u.id, 'gh/acme/z', false);
      expect(await store.listFollowedProjects(u.id)).toEqual(['gh/acme/b']);
      expect(await store.listFollowedProjects(other.id)).toEqual(['gh/acme/c']);
      expect(await store.getUser(u.id)).toEqual(u);
    });
  });
}
