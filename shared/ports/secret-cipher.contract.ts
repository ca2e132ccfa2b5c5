import type { SecretCipher } from './secret-cipher';

/** Flips one character of the ciphertext's last part (the sealed value): its authentication must then fail. */
function tamper(ciphertext: string): string {
  const i = ciphertext.length - 6;
  return `${ciphertext.slice(0, i)}${ciphertext[i] === 'A' ? 'B' : 'A'}${ciphertext.slice(i + 1)}`;
}

/**
 * The semantics `shared/ports/secret-cipher.ts` states, for every adapter: round trips of any text, a fresh
 * ciphertext each time that does not carry the plaintext, safe concurrent use, and `decrypt` refusing a
 * tampered value, a value of another key and text that is no ciphertext at all.
 * `factory` builds a cipher; `sameKey` another instance with its key (another function instance, a restart);
 * `otherKey` one with a different key (another installation).
 */
export function defineSecretCipherContract(
  name: string,
  factory: () => Promise<{ cipher: SecretCipher; sameKey: () => Promise<SecretCipher>; otherKey: () => Promise<SecretCipher> }>,
): void {
  describe(`SecretCipher contract: ${name}`, () => {
    it('round-trips any text: empty, unicode, multi-line, 64 KiB', async () => {
      const { cipher } = await factory();
      for (const secret of ['', 'p@ss:w0rd', 'ключ 🔑 秘密', '-----BEGIN KEY-----\nabc\n-----END KEY-----\n', 'x'.repeat(65536)]) {
        expect(await cipher.decrypt(await cipher.encrypt(secret))).toBe(secret);
      }
    });

    it('reads in another instance with the same key what one instance wrote', async () => {
      const { cipher, sameKey } = await factory();
      expect(await (await sameKey()).decrypt(await cipher.encrypt('shared secret'))).toBe('shared secret');
    });

    it('writes a different ciphertext each time, none containing the plaintext', async () => {
      const { cipher } = await factory();
      const [a, b] = [await cipher.encrypt('s3cr3t-value'), await cipher.encrypt('s3cr3t-value')];
      expect(a).not.toBe(b);
      for (const c of [a, b]) expect(c).not.toContain('s3cr3t');
      expect(Buffer.from(a.split(':').at(-1)!, 'base64').toString('latin1')).not.toContain('s3cr3t');
    });

    it('is safe to use concurrently', async () => {
      const { cipher } = await factory();
      const secrets = Array.from({ length: 20 }, (_, i) => `secret-${i}`);
      const sealed = await Promise.all(secrets.map((s) => cipher.encrypt(s)));
      expect(await Promise.all(sealed.map((c) => cipher.decrypt(c)))).toEqual(secrets);
    });

    it('refuses a tampered ciphertext, one of another key, and text that is no ciphertext', async () => {
      const { cipher, otherKey } = await factory();
      const sealed = await cipher.encrypt('value');
      await expect(cipher.decrypt(tamper(sealed))).rejects.toThrow();
      await expect((await otherKey()).decrypt(sealed)).rejects.toThrow();
      for (const garbage of ['', 'value', 'v1:', 'kms1::', `${sealed.slice(0, 10)}`]) await expect(cipher.decrypt(garbage)).rejects.toThrow();
      expect(await cipher.decrypt(sealed)).toBe('value');
    });
  });
}
