/**
 * Encrypts secrets at rest (env vars, context values): envelope encryption with a KMS data key in AWS, a
 * local AES-256-GCM key in local mode. `encrypt` returns an opaque string that only `decrypt` of the same
 * adapter (and key) reads; both are pure with respect to the store and safe to call concurrently.
 * `decrypt` throws when the ciphertext was tampered with.
 */
export interface SecretCipher {
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
}
