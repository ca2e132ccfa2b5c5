import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { signJwt } from '../services/oidc/jwt';
import type { OidcSigningKey } from './oidc-signing-key';

const verifyWith = (keys: JWK[], token: string) => jwtVerify(token, createLocalJWKSet({ keys }), { algorithms: ['ES256'] });

/** The contract every `OidcSigningKey` adapter passes; `factory` gives a fresh key (no rotation yet). */
export function defineOidcSigningKeyContract(name: string, factory: () => Promise<OidcSigningKey>): void {
  describe(`OidcSigningKey contract: ${name}`, () => {
    let key: OidcSigningKey;
    beforeEach(async () => {
      key = await factory();
    });

    it('signs tokens that verify against its published keys', async () => {
      const token = await signJwt(key, { sub: 'org/o/project/p/user/u', n: 1 });
      const keys = await key.publicKeys();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(keys[0]).not.toHaveProperty('d');
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: keys[0].kid });
      expect((await verifyWith(keys, token)).payload).toMatchObject({ sub: 'org/o/project/p/user/u', n: 1 });
    });

    it('publishes keys that refuse a tampered token', async () => {
      const [h, , s] = (await signJwt(key, { sub: 'a' })).split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'b' })).toString('base64url')}.${s}`;
      await expect(verifyWith(await key.publicKeys(), forged)).rejects.toThrow(/signature/);
    });

    it('keeps the previous key published after a rotation and signs with the new one', async () => {
      const before = await signJwt(key, { sub: 'before' });
      const [oldKey] = await key.publicKeys();
      await key.rotate();
      const after = await signJwt(key, { sub: 'after' });
      const keys = await key.publicKeys();
      expect(keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(after).kid, oldKey.kid]);
      expect(keys[0].kid).not.toBe(oldKey.kid);
      expect((await verifyWith(keys, before)).payload.sub).toBe('before');
      expect((await verifyWith(keys, after)).payload.sub).toBe('after');
    });

    it('drops the key of two rotations ago', async () => {
      const [first] = await key.publicKeys();
      await key.rotate();
      await key.rotate();
      const kids = (await key.publicKeys()).map((k) => k.kid);
      expect(kids).toHaveLength(2);
      expect(kids).not.toContain(first.kid);
    });
  });
}
