import { generateKeyPairSync } from 'node:crypto';

/** A fresh RSA key pair for a test GitHub App (PKCS#1 private key, as GitHub hands them out). */
export function githubAppKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
