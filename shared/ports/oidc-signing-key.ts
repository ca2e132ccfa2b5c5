import type { JWK } from 'jose';

/** One ES256 signature: `signature` is the JOSE form (r‖s, 64 bytes), `kid` the key that made it. */
export interface OidcSignature {
  kid: string;
  signature: Uint8Array;
}

/**
 * The key Slipway signs job OIDC tokens with (ES256, P-256): a file in the data folder locally, a KMS
 * asymmetric key on AWS. The private key never leaves the adapter.
 *
 * Semantics (every adapter passes `defineOidcSigningKeyContract`):
 * - `sign` signs with the current key and names it by `kid`; concurrent calls are safe.
 * - `publicKeys` lists the public keys verifiers must accept: the current one first and, after a rotation,
 *   the previous one too (tokens it signed stay valid until they expire). Each JWK carries `kid`, `alg: ES256`
 *   and `use: sig`. Read-only; safe to call any number of times; may be cached for minutes by the adapter.
 * - `rotate` makes a new key current and keeps the previous one published; older keys are dropped.
 *   Not meant to run concurrently with another `rotate`.
 */
export interface OidcSigningKey {
  sign(data: Uint8Array): Promise<OidcSignature>;
  publicKeys(): Promise<JWK[]>;
  rotate(): Promise<void>;
}

/** The JOSE algorithm every adapter signs with. */
export const OIDC_ALG = 'ES256';
