import { fakeKms } from '../../../test/support/fake-kms';
import { defineOidcSigningKeyContract } from '../../ports/oidc-signing-key.contract';
import { derToJose, KmsOidcSigningKey } from './kms-oidc-signing-key';

const options = { alias: 'alias/slipway-oidc', previousAlias: 'alias/slipway-oidc-previous', cacheMs: 0 };

defineOidcSigningKeyContract('KmsOidcSigningKey', async () => {
  const kms = fakeKms();
  kms.createKey(options.alias);
  return new KmsOidcSigningKey(kms.client, options);
});

describe('KmsOidcSigningKey', () => {
  it('caches the public keys between reads', async () => {
    const kms = fakeKms();
    kms.createKey(options.alias);
    let now = 0;
    const key = new KmsOidcSigningKey(kms.client, { ...options, cacheMs: 60_000, now: () => now });
    const first = await key.publicKeys();
    kms.createKey(options.previousAlias);
    expect(await key.publicKeys()).toBe(first);
    now = 60_001;
    expect(await key.publicKeys()).toHaveLength(2);
  });

  it('refuses a signature that is not DER', () => {
    expect(() => derToJose(new Uint8Array([1, 2, 3]))).toThrow(/not a DER-encoded ECDSA P-256 signature/);
  });
});
