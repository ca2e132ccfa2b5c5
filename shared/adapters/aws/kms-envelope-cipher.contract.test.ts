import { FakeSymmetricKms } from '../../../test/support/fake-kms-cipher';
import { defineSecretCipherContract } from '../../ports/secret-cipher.contract';
import { KmsEnvelopeCipher } from './kms-envelope-cipher';

defineSecretCipherContract('KmsEnvelopeCipher (KMS at the request level, real keys)', async () => {
  const kms = new FakeSymmetricKms();
  const keyId = kms.createKey();
  return {
    cipher: new KmsEnvelopeCipher(kms.client(), keyId),
    sameKey: async () => new KmsEnvelopeCipher(kms.client(), keyId),
    otherKey: async () => new KmsEnvelopeCipher(kms.client(), kms.createKey()),
  };
});
