import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  NotFoundException,
  SignCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

const ARN = 'arn:aws:kms:us-east-1:123456789012:key/';

/**
 * A request-level fake of KMS's asymmetric signing (no emulator exists): real P-256 keys held here, so
 * signatures made through `SignCommand` verify like KMS's. Models keys, aliases and the errors Slipway handles.
 */
export function fakeKms(): { client: KMSClient; keyIds: () => string[]; createKey: (alias?: string) => string; restore: () => void } {
  const client = new KMSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  const keys = new Map<string, KeyObject>();
  const aliases = new Map<string, string>();
  const notFound = (what: string) => new NotFoundException({ message: `${what} is not found.`, $metadata: {} });
  const resolve = (id: string | undefined) => {
    const keyId = id?.startsWith('alias/') ? aliases.get(id) : id?.replace(ARN, '');
    if (!keyId || !keys.has(keyId)) throw notFound(`Key '${id}'`);
    return keyId;
  };
  const createKey = (alias?: string) => {
    const keyId = randomUUID();
    keys.set(keyId, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    if (alias) aliases.set(alias, keyId);
    return keyId;
  };
  mock.on(CreateKeyCommand).callsFake((input) => {
    if (input.KeySpec !== 'ECC_NIST_P256' || input.KeyUsage !== 'SIGN_VERIFY') throw new Error('fake KMS creates ECC_NIST_P256 SIGN_VERIFY keys only');
    const keyId = createKey();
    return { KeyMetadata: { KeyId: keyId, Arn: ARN + keyId } };
  });
  mock.on(DescribeKeyCommand).callsFake((input) => {
    const keyId = resolve(input.KeyId);
    return { KeyMetadata: { KeyId: keyId, Arn: ARN + keyId } };
  });
  mock.on(UpdateAliasCommand).callsFake((input) => {
    if (!aliases.has(input.AliasName)) throw notFound(`Alias ${input.AliasName}`);
    aliases.set(input.AliasName, resolve(input.TargetKeyId));
    return {};
  });
  mock.on(CreateAliasCommand).callsFake((input) => {
    aliases.set(input.AliasName, resolve(input.TargetKeyId));
    return {};
  });
  mock.on(GetPublicKeyCommand).callsFake((input) => {
    const keyId = resolve(input.KeyId);
    return {
      KeyId: ARN + keyId,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      PublicKey: createPublicKey(keys.get(keyId)!).export({ format: 'der', type: 'spki' }),
    };
  });
  mock.on(SignCommand).callsFake((input) => {
    const keyId = resolve(input.KeyId);
    if (input.MessageType !== 'RAW' || input.SigningAlgorithm !== 'ECDSA_SHA_256') throw new Error('fake KMS signs RAW messages with ECDSA_SHA_256 only');
    if (input.Message!.length > 4096) throw new Error('KMS: Message must be at most 4096 bytes');
    return { KeyId: ARN + keyId, SigningAlgorithm: 'ECDSA_SHA_256', Signature: sign('sha256', input.Message!, { key: keys.get(keyId)!, dsaEncoding: 'der' }) };
  });
  return { client, keyIds: () => [...keys.keys()], createKey, restore: () => mock.restore() };
}
