import { randomBytes } from 'node:crypto';
import { defineSecretCipherContract } from '../../ports/secret-cipher.contract';
import { LocalKeyCipher } from './local-key-cipher';

defineSecretCipherContract('LocalKeyCipher', async () => {
  const key = randomBytes(32);
  return {
    cipher: new LocalKeyCipher(key),
    sameKey: async () => new LocalKeyCipher(Buffer.from(key)),
    otherKey: async () => new LocalKeyCipher(randomBytes(32)),
  };
});
