import type { Role, User } from '../model/entities';

export interface StoredToken {
  /** SHA-256 of the token, hex; the clear token is never stored. */
  hash: string;
  userId: string;
  label: string;
  createdAt: string;
}

/**
 * Users and their personal API tokens. Tokens are looked up by hash only. `createUser`/`putToken` are
 * idempotent by id/hash.
 *
 * Semantics (every adapter passes `defineIdentityStoreContract`):
 * - Logins are unique: `createUser` resolves `false` and stores nothing when the id or the login is taken
 *   (concurrent creates of one login let exactly one win).
 * - `setRole` changes one organisation's role of a user (`undefined` removes it) without touching the others,
 *   so two admins granting roles at once do not overwrite each other; resolves the updated user.
 * - `listUsers` is eventually consistent (a secondary index), ordered by login.
 */
export interface IdentityStore {
  createUser(user: User): Promise<boolean>;
  getUser(id: string): Promise<User | undefined>;
  getUserByLogin(login: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  setRole(userId: string, orgSlug: string, role: Role | undefined): Promise<User | undefined>;
  /**
   * Links a user to a GitHub account, once: resolves the user when it is now (or already was) linked to
   * `githubId`, `undefined` when the user is linked to another account, the account to another user, or the
   * user does not exist. Concurrent links of one account to two users let exactly one win.
   */
  linkGithubAccount(userId: string, githubId: number): Promise<User | undefined>;
  getUserByGithubId(githubId: number): Promise<User | undefined>;
  putToken(token: StoredToken): Promise<void>;
  getToken(hash: string): Promise<StoredToken | undefined>;
  /** A user's tokens, oldest first (eventually consistent: a secondary index). */
  listTokens(userId: string): Promise<StoredToken[]>;
  /** Revokes a token at once (strongly consistent: `getToken` no longer finds it); resolves whether it existed. */
  deleteToken(hash: string): Promise<boolean>;
  /** Follows (`true`) or unfollows a project for a user; idempotent. */
  setFollowing(userId: string, projectSlug: string, following: boolean): Promise<void>;
  /** The project slugs a user follows, sorted (strongly consistent). */
  listFollowedProjects(userId: string): Promise<string[]>;
}
