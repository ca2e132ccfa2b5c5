import type { Role, User } from '../../model/entities';
import type { IdentityStore, StoredToken } from '../../ports/identity-store';
import { DynamoTable, toEntity } from './dynamo-table';

const userKey = (id: string) => ({ pk: `USER#${id}`, sk: 'META' });
const loginKey = (login: string) => ({ pk: `LOGIN#${login.toLowerCase()}`, sk: 'META' });
const githubKey = (githubId: number) => ({ pk: `GITHUB#${githubId}`, sk: 'META' });

/**
 * Users (`USER#id`, gsi1 `USERS` / login), login locks (`LOGIN#login`), GitHub account locks (`GITHUB#id`) and
 * token hashes (`TOKEN#sha256`); followed projects are `FOLLOW#<slug>` items in the user's partition.
 */
export class DynamoIdentityStore implements IdentityStore {
  constructor(private readonly table: DynamoTable) {}

  async createUser(user: User): Promise<boolean> {
    if (await this.table.get(userKey(user.id))) return false;
    if (!(await this.table.put({ ...loginKey(user.login), entity: 'login', userId: user.id }, { ifNotExists: true }))) return false;
    return this.table.put({ ...userKey(user.id), gsi1pk: 'USERS', gsi1sk: user.login.toLowerCase(), entity: 'user', ...user }, { ifNotExists: true });
  }

  async getUser(id: string): Promise<User | undefined> {
    const item = await this.table.get(userKey(id));
    return item ? this.toUser(item) : undefined;
  }

  async getUserByLogin(login: string): Promise<User | undefined> {
    const lock = await this.table.get(loginKey(login));
    return lock ? this.getUser(String(lock.userId)) : undefined;
  }

  async listUsers(): Promise<User[]> {
    const items = await this.table.queryAll({ index: 'gsi1', partition: 'USERS' });
    return items.map((i) => this.toUser(i));
  }

  async setRole(userId: string, orgSlug: string, role: Role | undefined): Promise<User | undefined> {
    // Read-modify-write guarded by a counter: concurrent grants retry instead of overwriting each other.
    for (let attempt = 0; attempt < 10; attempt++) {
      const item = await this.table.get(userKey(userId));
      if (!item) return undefined;
      const roles = { ...(item.roles as Record<string, Role>) };
      if (role) roles[orgSlug] = role;
      else delete roles[orgSlug];
      const seen = Number(item.rolesVersion ?? 0);
      const updated = await this.table.update(
        userKey(userId),
        { set: { roles }, add: { rolesVersion: 1 } },
        { expression: 'attribute_not_exists(#v) OR #v = :v', names: { '#v': 'rolesVersion' }, values: { ':v': seen } },
      );
      if (updated) return this.toUser(updated);
    }
    throw new Error(`Could not update the roles of user ${userId}: too many concurrent changes. Retry.`);
  }

  async linkGithubAccount(userId: string, githubId: number): Promise<User | undefined> {
    const user = await this.getUser(userId);
    if (!user) return undefined;
    if (user.githubId !== undefined) return user.githubId === githubId ? user : undefined;
    // The account lock first: of two users racing for one account, one wins it.
    const locked = await this.table.put({ ...githubKey(githubId), entity: 'github-account', userId }, { ifNotExists: true });
    if (!locked && String((await this.table.get(githubKey(githubId)))?.userId) !== userId) return undefined;
    const item = await this.table.update(
      userKey(userId),
      { set: { githubId } },
      { expression: 'attribute_not_exists(#g) OR #g = :g', names: { '#g': 'githubId' }, values: { ':g': githubId } },
    );
    if (item) return this.toUser(item);
    // The user was linked to another account meanwhile: give this account's lock back.
    if (locked) await this.table.delete(githubKey(githubId));
    return undefined;
  }

  async getUserByGithubId(githubId: number): Promise<User | undefined> {
    const lock = await this.table.get(githubKey(githubId));
    const user = lock ? await this.getUser(String(lock.userId)) : undefined;
    // A lock whose link did not complete (the user took another account) is no link.
    return user?.githubId === githubId ? user : undefined;
  }

  private toUser(item: Record<string, unknown>): User {
    const { rolesVersion: _v, ...rest } = toEntity<User & { rolesVersion?: number }>(item)!;
    return rest;
  }

  async putToken(token: StoredToken): Promise<void> {
    await this.table.put({
      pk: `TOKEN#${token.hash}`,
      sk: 'META',
      gsi1pk: `TOKENS#${token.userId}`,
      gsi1sk: `${token.createdAt}#${token.hash}`,
      entity: 'token',
      ...token,
    });
  }

  async listTokens(userId: string): Promise<StoredToken[]> {
    const items = await this.table.queryAll({ index: 'gsi1', partition: `TOKENS#${userId}` });
    return items.map((i) => toEntity<StoredToken>(i)!);
  }

  deleteToken(hash: string): Promise<boolean> {
    return this.table.delete({ pk: `TOKEN#${hash}`, sk: 'META' }, { ifExists: true });
  }

  async getToken(hash: string): Promise<StoredToken | undefined> {
    return toEntity<StoredToken>(await this.table.get({ pk: `TOKEN#${hash}`, sk: 'META' }));
  }

  async setFollowing(userId: string, projectSlug: string, following: boolean): Promise<void> {
    const key = { pk: `USER#${userId}`, sk: `FOLLOW#${projectSlug}` };
    if (following) await this.table.put({ ...key, entity: 'follow', projectSlug });
    else await this.table.delete(key);
  }

  async listFollowedProjects(userId: string): Promise<string[]> {
    const items = await this.table.queryAll({ partition: `USER#${userId}`, prefix: 'FOLLOW#', consistent: true });
    return items.map((i) => String(i.projectSlug)).sort();
  }
}
