import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretCipher } from '../../ports/secret-cipher';

/** AES-256-GCM with a 32-byte key kept in the local data folder (local mode's stand-in for KMS). */
export class LocalKeyCipher implements SecretCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('LocalKeyCipher needs a 32-byte key.');
  }

  async encrypt(plaintext: string): Promise<string> {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return `v1:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
  }

  async decrypt(ciphertext: string): Promise<string> {
    if (!ciphertext.startsWith('v1:')) throw new Error('Unknown ciphertext format; expected a value written by LocalKeyCipher.');
    const raw = Buffer.from(ciphertext.slice(3), 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}
