import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { OIDC_ALG, type OidcSignature, type OidcSigningKey } from '../../ports/oidc-signing-key';

interface StoredKey {
  kid: string;
  privateKeyPem: string;
  createdAt: string;
}

/**
 * Local mode's OIDC signing key: P-256 private keys in one file of the data folder (mode 0600), newest first;
 * the newest signs, the newest two are published. Created on first use.
 */
export class LocalOidcSigningKey implements OidcSigningKey {
  private keys?: Array<StoredKey & { key: KeyObject }>;

  constructor(private readonly file: string) {}

  private async load() {
    if (!this.keys) {
      if (!existsSync(this.file)) await this.write([await newKey()]);
      const stored = JSON.parse(readFileSync(this.file, 'utf8')) as StoredKey[];
      this.keys = stored.map((k) => ({ ...k, key: createPrivateKey(k.privateKeyPem) }));
    }
    return this.keys;
  }

  private async write(keys: StoredKey[]) {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(keys.map(({ kid, privateKeyPem, createdAt }) => ({ kid, privateKeyPem, createdAt }))), { mode: 0o600 });
    renameSync(tmp, this.file);
    this.keys = undefined;
  }

  async sign(data: Uint8Array): Promise<OidcSignature> {
    const [current] = await this.load();
    return { kid: current.kid, signature: sign('sha256', data, { key: current.key, dsaEncoding: 'ieee-p1363' }) };
  }

  async publicKeys(): Promise<JWK[]> {
    return (await this.load())
      .slice(0, 2)
      .map((k) => ({ ...(createPublicKey(k.key).export({ format: 'jwk' }) as JWK), kid: k.kid, alg: OIDC_ALG, use: 'sig' }));
  }

  async rotate(): Promise<void> {
    const keys = await this.load();
    await this.write([await newKey(), ...keys].slice(0, 2));
  }
}

async function newKey(): Promise<StoredKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as JWK);
  return { kid, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), createdAt: new Date().toISOString() };
}
