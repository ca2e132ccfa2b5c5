import type { KMSClient } from '@aws-sdk/client-kms';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretCipher } from '../../ports/secret-cipher';
import { clientOf, sdk, type ClientSource } from './lazy-sdk';

/**
 * Envelope encryption: a KMS data key per value (AES-256-GCM locally), the encrypted data key stored beside
 * the ciphertext. Decrypted data keys are cached in memory for the life of the function instance.
 */
export class KmsEnvelopeCipher implements SecretCipher {
  private readonly cache = new Map<string, Buffer>();
  private readonly kms: () => KMSClient;

  constructor(
    kms: ClientSource<KMSClient>,
    private readonly keyId: string,
  ) {
    this.kms = clientOf(kms);
  }

  async encrypt(plaintext: string): Promise<string> {
    const { GenerateDataKeyCommand } = sdk.kms();
    const dk = await this.kms().send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256' }));
    const key = Buffer.from(dk.Plaintext!);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    key.fill(0);
    return `kms1:${Buffer.from(dk.CiphertextBlob!).toString('base64')}:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
  }

  async decrypt(ciphertext: string): Promise<string> {
    const [tag, wrapped, payload] = ciphertext.split(':');
    if (tag !== 'kms1' || !wrapped || !payload) throw new Error('Unknown ciphertext format; expected a value written by KmsEnvelopeCipher.');
    let key = this.cache.get(wrapped);
    if (!key) {
      const { DecryptCommand } = sdk.kms();
      const res = await this.kms().send(new DecryptCommand({ CiphertextBlob: Buffer.from(wrapped, 'base64'), KeyId: this.keyId }));
      key = Buffer.from(res.Plaintext!);
      this.cache.set(wrapped, key);
    }
    const raw = Buffer.from(payload, 'base64');
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}
