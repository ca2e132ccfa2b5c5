/** A project's SSH key: a checkout key (CircleCI `checkout-key`) or an additional key for `add_ssh_keys`. */
export interface StoredSshKey {
  projectSlug: string;
  kind: 'checkout' | 'additional';
  /** MD5 fingerprint, colon-separated hex (CircleCI's default digest). */
  fingerprint: string;
  /** `SHA256:<base64 without padding>` (OpenSSH's default digest). */
  sha256Fingerprint: string;
  /** The public key, one OpenSSH line (`ssh-ed25519 AAAA...`). */
  publicKey: string;
  /** Checkout keys: `deploy-key` or `github-user-key`. */
  type?: 'deploy-key' | 'github-user-key';
  /** Additional keys: the host the key is for (empty: every host). */
  hostname?: string;
  /** The private key, encrypted by the `SecretCipher`; never leaves the control plane except in a job spec. */
  encryptedPrivateKey: string;
  createdAt: string;
}

/** What identifies one key of a project: kind, MD5 fingerprint and (additional keys) host name. */
export type SshKeyId = Pick<StoredSshKey, 'projectSlug' | 'kind' | 'fingerprint' | 'hostname'>;

/**
 * A project's SSH keys.
 *
 * Semantics (every adapter passes `defineSshKeyStoreContract`):
 * - `put` is an idempotent create: a key with the same id (project, kind, fingerprint, host name) is left
 *   untouched and resolves `false`. The same key pair may be stored once per host name.
 * - `list` returns the project's keys of one kind, oldest first (ties by fingerprint); strongly consistent.
 * - `delete` resolves whether a key was deleted; safe to call twice (the second resolves `false`).
 */
export interface SshKeyStore {
  put(key: StoredSshKey): Promise<boolean>;
  list(projectSlug: string, kind: StoredSshKey['kind']): Promise<StoredSshKey[]>;
  delete(id: SshKeyId): Promise<boolean>;
}
