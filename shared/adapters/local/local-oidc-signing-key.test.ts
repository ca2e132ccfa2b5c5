import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineOidcSigningKeyContract } from '../../ports/oidc-signing-key.contract';
import { LocalOidcSigningKey } from './local-oidc-signing-key';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'slipway-oidc-')), 'keys', 'oidc.json');

defineOidcSigningKeyContract('LocalOidcSigningKey', async () => new LocalOidcSigningKey(fresh()));

describe('LocalOidcSigningKey', () => {
  it('keeps its keys in one private file that a new instance reads back when restarted', async () => {
    const file = fresh();
    const kids = (await new LocalOidcSigningKey(file).publicKeys()).map((k) => k.kid);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await new LocalOidcSigningKey(file).publicKeys()).map((k) => k.kid)).toEqual(kids);
  });
});
