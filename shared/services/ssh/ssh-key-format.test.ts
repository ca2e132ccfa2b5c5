import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describePrivateKey, generateEd25519KeyPair, privateKeySecrets } from './ssh-key-format';

const dir = mkdtempSync(join(tmpdir(), 'slipway-sshfmt-'));
let n = 0;
/** OpenSSH's own view of a private key file: its public key line and MD5/SHA256 fingerprints. */
function sshKeygen(privateKey: string) {
  const file = join(dir, `k${n++}`);
  writeFileSync(file, privateKey, { mode: 0o600 });
  const fp = (digest: string) => execFileSync('ssh-keygen', ['-l', '-E', digest, '-f', file], { encoding: 'utf8' }).split(' ')[1];
  return { publicKey: execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim(), md5: fp('md5').replace(/^MD5:/, ''), sha256: fp('sha256') };
}

describe('ssh key format', () => {
  it('generates an Ed25519 key pair that OpenSSH reads, with the fingerprints OpenSSH computes', () => {
    const pair = generateEd25519KeyPair('slipway-deploy-key');
    const ssh = sshKeygen(pair.privateKey);
    expect(ssh.publicKey).toBe(pair.publicKey);
    expect(pair.publicKey).toMatch(/ slipway-deploy-key$/);
    expect(pair.fingerprint).toBe(ssh.md5);
    expect(pair.sha256Fingerprint).toBe(ssh.sha256);
    expect(describePrivateKey(pair.privateKey)).toEqual({
      publicKey: ssh.publicKey.replace(/ slipway-deploy-key$/, ''),
      fingerprint: ssh.md5,
      sha256Fingerprint: ssh.sha256,
    });
  });

  it.each([
    ['RSA PKCS#1', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()],
    ['ECDSA P-256 SEC1', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString()],
    ['ECDSA P-384 PKCS#8', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
  ])('describes a %s key as OpenSSH does', (_name, make) => {
    const pem = make();
    const ssh = sshKeygen(pem);
    expect(describePrivateKey(pem)).toEqual({ publicKey: ssh.publicKey, fingerprint: ssh.md5, sha256Fingerprint: ssh.sha256 });
  });

  it('refuses public keys, passphrase-protected keys and garbage with a message saying what to paste', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => describePrivateKey(publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(/must be a private key/);
    expect(() => describePrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString())).toThrow(
      /passphrase/,
    );
    expect(() => describePrivateKey('-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----')).toThrow(/could not be read/);
    expect(() => describePrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----')).toThrow(/malformed/);
  });

  it('masks the whole key and each of its base64 lines', () => {
    const pair = generateEd25519KeyPair('c');
    const secrets = privateKeySecrets(pair.privateKey);
    expect(secrets[0]).toBe(pair.privateKey.trim());
    expect(secrets.slice(1)).toEqual(pair.privateKey.trim().split('\n').slice(1, -1));
  });
});
