import type { User } from '../model/entities';

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
 */
export interface IdentityStore {
  createUser(user: User): Promise<boolean>;
  getUser(id: string): Promise<User | undefined>;
  putToken(token: StoredToken): Promise<void>;
  getToken(hash: string): Promise<StoredToken | undefined>;
}
