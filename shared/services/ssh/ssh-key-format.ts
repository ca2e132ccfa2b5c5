import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { ValidationError } from '../../model/errors';

/** SSH wire encoding (RFC 4251): uint32 and length-prefixed strings. */
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const sshString = (v: Buffer | string) => {
  const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  return Buffer.concat([u32(b.length), b]);
};
function mpint(v: Buffer): Buffer {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  const b = v.subarray(i);
  return sshString(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

const CURVES: Record<string, string> = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' };

/** The OpenSSH public key blob of an RSA, ECDSA or Ed25519 key. */
function publicKeyBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const b = (s?: string) => Buffer.from(s ?? '', 'base64url');
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return Buffer.concat([sshString('ssh-rsa'), mpint(b(jwk.e)), mpint(b(jwk.n))]);
    case 'ec': {
      const curve = CURVES[jwk.crv ?? ''];
      if (!curve) break;
      return Buffer.concat([sshString(`ecdsa-sha2-${curve}`), sshString(curve), sshString(Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]))]);
    }
    case 'ed25519':
      return Buffer.concat([sshString('ssh-ed25519'), sshString(b(jwk.x))]);
  }
  throw new ValidationError(
    `SSH keys of type ${key.asymmetricKeyType}${jwk.crv ? ` (${jwk.crv})` : ''} are not supported; use an RSA, ECDSA (P-256/384/521) or Ed25519 key.`,
  );
}

/** Reads the length-prefixed fields of an `openssh-key-v1` body. */
function reader(buf: Buffer) {
  let at = 0;
  const need = (n: number) => {
    if (at + n > buf.length) throw new ValidationError('The OpenSSH private key is truncated; paste the whole file, including the BEGIN and END lines.');
  };
  return {
    u32() {
      need(4);
      return buf.readUInt32BE((at += 4) - 4);
    },
    string() {
      const n = this.u32();
      need(n);
      return buf.subarray(at, (at += n));
    },
  };
}

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

/** The public key blob in the (unencrypted) header of an OpenSSH-format private key. */
function openSshPublicBlob(pem: string): Buffer {
  const body = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  if (!body.subarray(0, MAGIC.length).equals(MAGIC))
    throw new ValidationError('The OpenSSH private key is malformed (no openssh-key-v1 header); paste the whole file.');
  const r = reader(body.subarray(MAGIC.length));
  const cipher = r.string().toString('latin1');
  r.string();
  r.string();
  if (cipher !== 'none')
    throw new ValidationError(
      'The SSH key is protected by a passphrase; CircleCI jobs need a key without one. Remove it with `ssh-keygen -p -N "" -f <file>`.',
    );
  if (r.u32() !== 1) throw new ValidationError('The OpenSSH private key file holds several keys; add them one at a time.');
  return r.string();
}

export interface SshPublicKeyInfo {
  /** One OpenSSH line: `<type> <base64>`. */
  publicKey: string;
  /** MD5, colon-separated hex (CircleCI's `fingerprint`). */
  fingerprint: string;
  /** `SHA256:<base64 without padding>`. */
  sha256Fingerprint: string;
}

function describeBlob(blob: Buffer): SshPublicKeyInfo {
  const type = reader(blob).string().toString('latin1');
  return {
    publicKey: `${type} ${blob.toString('base64')}`,
    fingerprint: createHash('md5')
      .update(blob)
      .digest('hex')
      .replace(/(..)(?!$)/g, '$1:'),
    sha256Fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
  };
}

/**
 * The public key and fingerprints of a private key in PEM (PKCS#1, PKCS#8, SEC1) or OpenSSH format. Keys
 * with a passphrase and anything that is not a private key are refused with a message saying what to paste.
 */
export function describePrivateKey(text: string): SshPublicKeyInfo {
  const pem = text.trim();
  if (!/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
    throw new ValidationError(
      'private_key must be a private key in PEM or OpenSSH format (starting with "-----BEGIN ... PRIVATE KEY-----"), not a public key or a file name.',
    );
  }
  if (pem.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----')) return describeBlob(openSshPublicBlob(pem));
  if (/ENCRYPTED/.test(pem))
    throw new ValidationError(
      'The SSH key is protected by a passphrase; CircleCI jobs need a key without one. Remove it with `ssh-keygen -p -N "" -f <file>`.',
    );
  let key: KeyObject;
  try {
    key = createPublicKey(createPrivateKey(pem));
  } catch (e) {
    throw new ValidationError(`private_key could not be read (${(e as Error).message}); paste the whole unencrypted key file.`);
  }
  return describeBlob(publicKeyBlob(key));
}

/** A new Ed25519 key pair: the private key in OpenSSH format (what `ssh-keygen -t ed25519` writes). */
export function generateEd25519KeyPair(comment: string): SshPublicKeyInfo & { privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  const parts = [check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)];
  let section = Buffer.concat(parts);
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([MAGIC, sshString('none'), sshString('none'), sshString(''), u32(1), sshString(blob), sshString(section)]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  const info = describeBlob(blob);
  return {
    ...info,
    publicKey: `${info.publicKey} ${comment}`.trim(),
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
  };
}

/**
 * What to mask in job output for a private key: the key as written and each of its base64 lines (so a
 * partial print is masked too).
 */
export function privateKeySecrets(privateKey: string): string[] {
  const lines = privateKey
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= 16 && !l.startsWith('-----'));
  return [privateKey.trim(), ...lines];
}

const PUBLIC_KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** The fingerprints of one OpenSSH public key line (`ssh-ed25519 AAAA... comment`, as in `~/.ssh/id_ed25519.pub`). */
export function describePublicKey(line: string): SshPublicKeyInfo {
  const [type, data] = line.trim().split(/\s+/);
  if (line.includes('PRIVATE KEY')) throw new ValidationError('key must be a public key (the .pub file), never a private key.');
  if (!type || !data || !PUBLIC_KEY_TYPES.has(type))
    throw new ValidationError(`key must be one OpenSSH public key line such as "ssh-ed25519 AAAA... you@host" (types: ${[...PUBLIC_KEY_TYPES].join(', ')}).`);
  const blob = Buffer.from(data, 'base64');
  let inner: string;
  try {
    inner = reader(blob).string().toString('latin1');
  } catch {
    inner = '';
  }
  if (inner !== type)
    throw new ValidationError(`key is not a valid ${type} public key: its data does not match its type; paste the whole line of the .pub file.`);
  return describeBlob(blob);
}
