import type { KMSClient } from '@aws-sdk/client-kms';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * KMS at the request level for symmetric keys (envelope encryption; `fake-kms.ts` fakes the asymmetric signing keys): GenerateDataKey, Encrypt and Decrypt with real AES-256-GCM
 * master keys held here, so round trips are real. A ciphertext blob names its key (as KMS's do); Decrypt with
 * another `KeyId` is an `IncorrectKeyException`, a blob that does not authenticate an `InvalidCiphertextException`,
 * an unknown key a `NotFoundException`. Counts the requests by operation.
 */
export class FakeSymmetricKms {
  private readonly keys = new Map<string, Buffer>();
  readonly requests: Record<string, number> = {};

  createKey(): string {
    const id = randomBytes(16).toString('hex');
    this.keys.set(id, randomBytes(32));
    return `arn:aws:kms:us-east-1:111122223333:key/${id}`;
  }

  client(): KMSClient {
    return {
      send: async (command: { constructor: { name: string }; input: any }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        this.requests[name] = (this.requests[name] ?? 0) + 1;
        return this.handle(name, command.input);
      },
    } as unknown as KMSClient;
  }

  private key(keyId: string | undefined): [string, Buffer] {
    const id = String(keyId ?? '').replace(/^arn:.*:key\//, '');
    const key = this.keys.get(id);
    if (!key) throw awsError('NotFoundException', `Key '${keyId}' does not exist`);
    return [id, key];
  }

  private seal(keyId: string, key: Buffer, plaintext: Uint8Array): Uint8Array {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.from(keyId, 'hex'), iv, c.getAuthTag(), body]);
  }

  private handle(operation: string, input: any): unknown {
    switch (operation) {
      case 'GenerateDataKey': {
        const [id, key] = this.key(input.KeyId);
        if (input.KeySpec !== 'AES_256' && input.NumberOfBytes !== 32) throw awsError('ValidationException', 'KeySpec AES_256 expected');
        const plaintext = randomBytes(32);
        return { KeyId: input.KeyId, Plaintext: new Uint8Array(plaintext), CiphertextBlob: this.seal(id, key, plaintext) };
      }
      case 'Encrypt': {
        const [id, key] = this.key(input.KeyId);
        return { KeyId: input.KeyId, CiphertextBlob: this.seal(id, key, input.Plaintext) };
      }
      case 'Decrypt': {
        const blob = Buffer.from(input.CiphertextBlob as Uint8Array);
        const owner = blob.subarray(0, 16).toString('hex');
        if (input.KeyId && this.key(input.KeyId)[0] !== owner)
          throw awsError('IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext.');
        const key = this.keys.get(owner);
        if (!key || blob.length < 44) throw awsError('InvalidCiphertextException', 'The ciphertext is invalid.');
        try {
          const d = createDecipheriv('aes-256-gcm', key, blob.subarray(16, 28));
          d.setAuthTag(blob.subarray(28, 44));
          return {
            KeyId: `arn:aws:kms:us-east-1:111122223333:key/${owner}`,
            Plaintext: new Uint8Array(Buffer.concat([d.update(blob.subarray(44)), d.final()])),
          };
        } catch {
          throw awsError('InvalidCiphertextException', 'The ciphertext is invalid.');
        }
      }
      default:
        throw new Error(`FakeSymmetricKms does not implement ${operation}`);
    }
  }
}
