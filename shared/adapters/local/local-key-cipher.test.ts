import { randomBytes } from 'node:crypto';
import { LocalKeyCipher } from './local-key-cipher';

describe('LocalKeyCipher', () => {
  it('round-trips a secret and produces a different ciphertext each time', async () => {
    const c = new LocalKeyCipher(randomBytes(32));
    const a = await c.encrypt('s3cr3t-value');
    const b = await c.encrypt('s3cr3t-value');
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cr3t');
    expect(await c.decrypt(a)).toBe('s3cr3t-value');
  });

  it('rejects a tampered ciphertext and one from another key', async () => {
    const c = new LocalKeyCipher(randomBytes(32));
    const enc = await c.encrypt('value');
    const raw = Buffer.from(enc.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    await expect(c.decrypt(`v1:${raw.toString('base64')}`)).rejects.toThrow();
    await expect(new LocalKeyCipher(randomBytes(32)).decrypt(enc)).rejects.toThrow();
  });
});
