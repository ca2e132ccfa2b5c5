import type { KMSClient } from '@aws-sdk/client-kms';
import { createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import { OIDC_ALG, type OidcSignature, type OidcSigningKey } from '../../ports/oidc-signing-key';
import { clientOf, sdk, type ClientSource } from './lazy-sdk';

export interface KmsOidcSigningKeyOptions {
  /** Alias of the current signing key (an `ECC_NIST_P256` `SIGN_VERIFY` key), e.g. `alias/slipway-oidc`. */
  alias: string;
  /** Alias of the previous key, still published after a rotation (e.g. `alias/slipway-oidc-previous`). */
  previousAlias: string;
  /** How long public keys are cached in memory (ms). */
  cacheMs?: number;
  now?: () => number;
}

/** The key id (UUID) of a key ARN: the `kid` published in the JWKS. */
const kidOf = (keyArn: string) => keyArn.slice(keyArn.lastIndexOf('/') + 1);

/** An ECDSA signature as KMS returns it (DER `SEQUENCE { INTEGER r, INTEGER s }`) in JOSE form (r‖s, 32 bytes each). */
export function derToJose(der: Uint8Array): Uint8Array {
  const fail = () => new Error('KMS returned a signature that is not a DER-encoded ECDSA P-256 signature.');
  let i = 2;
  if (der[0] !== 0x30) throw fail();
  if (der[1] & 0x80) i += der[1] & 0x7f;
  const out = new Uint8Array(64);
  for (const half of [0, 1]) {
    if (der[i] !== 0x02) throw fail();
    let len = der[i + 1];
    let start = i + 2;
    i = start + len;
    for (; len > 32 && der[start] === 0; len--) start++;
    if (len > 32) throw fail();
    out.set(der.subarray(start, start + len), half * 32 + 32 - len);
  }
  return out;
}

/**
 * AWS mode's OIDC signing key: a KMS asymmetric key (`ECC_NIST_P256`, `ECDSA_SHA_256`) behind an alias; the
 * private key never leaves KMS (the minting function holds `kms:Sign` only). Rotation points the previous alias
 * at the current key and the alias at a new key, so tokens signed before still verify until they expire.
 */
export class KmsOidcSigningKey implements OidcSigningKey {
  private cache?: { at: number; keys: JWK[] };
  private readonly kms: () => KMSClient;

  constructor(
    kms: ClientSource<KMSClient>,
    private readonly options: KmsOidcSigningKeyOptions,
  ) {
    this.kms = clientOf(kms);
  }

  async sign(data: Uint8Array): Promise<OidcSignature> {
    const { SignCommand } = sdk.kms();
    const res = await this.kms().send(new SignCommand({ KeyId: this.options.alias, Message: data, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }));
    if (!res.Signature || !res.KeyId) throw new Error(`KMS Sign with ${this.options.alias} returned no signature.`);
    return { kid: kidOf(res.KeyId), signature: derToJose(res.Signature) };
  }

  async publicKeys(): Promise<JWK[]> {
    const now = (this.options.now ?? Date.now)();
    if (this.cache && now - this.cache.at < (this.options.cacheMs ?? 5 * 60_000)) return this.cache.keys;
    const keys: JWK[] = [];
    for (const alias of [this.options.alias, this.options.previousAlias]) {
      const jwk = await this.publicKey(alias);
      if (jwk && !keys.some((k) => k.kid === jwk.kid)) keys.push(jwk);
    }
    this.cache = { at: now, keys };
    return keys;
  }

  private async publicKey(alias: string): Promise<JWK | undefined> {
    const { GetPublicKeyCommand, NotFoundException } = sdk.kms();
    try {
      const res = await this.kms().send(new GetPublicKeyCommand({ KeyId: alias }));
      if (res.KeySpec !== 'ECC_NIST_P256') throw new Error(`The OIDC signing key ${alias} is ${res.KeySpec}; Slipway signs with ECC_NIST_P256 keys (ES256).`);
      const jwk = createPublicKey({ key: Buffer.from(res.PublicKey!), format: 'der', type: 'spki' }).export({ format: 'jwk' }) as JWK;
      return { ...jwk, kid: kidOf(res.KeyId!), alg: OIDC_ALG, use: 'sig' };
    } catch (e) {
      if (e instanceof NotFoundException && alias === this.options.previousAlias) return undefined;
      throw e;
    }
  }

  /** Needs `kms:CreateKey`, `kms:DescribeKey`, `kms:CreateAlias`/`kms:UpdateAlias`: an operator's action, not the minting function's. */
  async rotate(): Promise<void> {
    const { CreateKeyCommand, DescribeKeyCommand } = sdk.kms();
    const current = await this.kms().send(new DescribeKeyCommand({ KeyId: this.options.alias }));
    const created = await this.kms().send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'Slipway OIDC token signing key' }),
    );
    await this.pointAlias(this.options.previousAlias, current.KeyMetadata!.KeyId!);
    await this.pointAlias(this.options.alias, created.KeyMetadata!.KeyId!);
    this.cache = undefined;
  }

  private async pointAlias(alias: string, keyId: string) {
    const { CreateAliasCommand, NotFoundException, UpdateAliasCommand } = sdk.kms();
    try {
      await this.kms().send(new UpdateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
    } catch (e) {
      if (!(e instanceof NotFoundException)) throw e;
      await this.kms().send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
    }
  }
}
