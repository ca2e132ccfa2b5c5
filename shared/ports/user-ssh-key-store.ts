/** A user's SSH public key, for connecting to jobs rerun with SSH. */
export interface UserSshKey {
  userId: string;
  title: string;
  /** One OpenSSH line without comment (`ssh-ed25519 AAAA...`). */
  publicKey: string;
  /** `SHA256:<base64 without padding>`: the key's id. */
  sha256Fingerprint: string;
  /** MD5, colon-separated hex. */
  fingerprint: string;
  createdAt: string;
}

/**
 * Users' registered SSH public keys.
 *
 * Semantics (every adapter passes `defineUserSshKeyStoreContract`):
 * - `put` is an idempotent create: the same key (SHA-256 fingerprint) of the same user resolves `false` and
 *   changes nothing.
 * - `list` returns a user's keys oldest first; strongly consistent.
 * - `delete` resolves whether a key was deleted; safe to call twice.
 */
export interface UserSshKeyStore {
  put(key: UserSshKey): Promise<boolean>;
  list(userId: string): Promise<UserSshKey[]>;
  delete(userId: string, sha256Fingerprint: string): Promise<boolean>;
}
