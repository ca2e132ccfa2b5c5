import { base64url } from 'jose';
import { OIDC_ALG, type OidcSigningKey } from '../../ports/oidc-signing-key';

/** KMS signs at most 4,096 bytes of raw message; tokens stay well below that. */
export const MAX_SIGNING_INPUT_BYTES = 4096;

export class OidcTokenTooLargeError extends Error {
  constructor(bytes: number) {
    super(`The OIDC token would be ${bytes} bytes before signing, over the ${MAX_SIGNING_INPUT_BYTES}-byte limit: use fewer or shorter audiences.`);
    this.name = 'OidcTokenTooLargeError';
  }
}

const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));

/**
 * A compact JWS (JWT) over `claims`, signed through the port: the header names the key (`kid`) that signed,
 * so verifiers pick it from the JWKS.
 */
export async function signJwt(key: OidcSigningKey, claims: Record<string, unknown>, kidHint?: string): Promise<string> {
  // The kid must be in the signed header, so ask the key for its id first when the caller does not know it.
  const kid = kidHint ?? (await key.publicKeys())[0]?.kid;
  const input = `${encode({ alg: OIDC_ALG, typ: 'JWT', kid })}.${encode(claims)}`;
  const bytes = new TextEncoder().encode(input);
  if (bytes.length > MAX_SIGNING_INPUT_BYTES) throw new OidcTokenTooLargeError(bytes.length);
  const { kid: signedBy, signature } = await key.sign(bytes);
  if (signedBy !== kid) {
    // The key rotated between the two calls: sign again, naming the key that is now current.
    return signJwt(key, claims, signedBy);
  }
  return `${input}.${base64url.encode(signature)}`;
}
