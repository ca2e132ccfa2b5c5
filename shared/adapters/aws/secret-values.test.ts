import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { parameterName, SecretValues } from './secret-values';

const PARAM = 'arn:aws:ssm:eu-west-1:123456789012:parameter/slipway/Slipway/signing-key';
const named = (name: string) => Object.assign(new Error(name), { name });

describe('SecretValues', () => {
  const ssm = mockClient(SSMClient);
  const sm = mockClient(SecretsManagerClient);
  const values = new SecretValues({ secrets: () => new SecretsManagerClient({ region: 'eu-west-1' }), ssm: () => new SSMClient({ region: 'eu-west-1' }) });
  beforeEach(() => {
    ssm.reset();
    sm.reset();
  });

  it('reads a Secrets Manager secret by ARN', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' }).resolves({ SecretString: 's3cret' });
    expect(await values.read('arn:aws:secretsmanager:eu-west-1:1:secret:x')).toBe('s3cret');
    expect(ssm.calls()).toHaveLength(0);
  });

  it('reads an SSM SecureString parameter decrypted', async () => {
    ssm.on(GetParameterCommand, { Name: '/slipway/Slipway/signing-key', WithDecryption: true }).resolves({ Parameter: { Value: 'v' } });
    expect(await values.read(PARAM, { generate: 64 })).toBe('v');
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('creates a missing generated parameter once, as SecureString without overwrite, then reads it back', async () => {
    ssm.on(GetParameterCommand).rejectsOnce(named('ParameterNotFound')).resolves({ Parameter: { Value: 'stored' } });
    ssm.on(PutParameterCommand).resolves({});
    expect(await values.read(PARAM, { generate: 64 })).toBe('stored');
    const put = ssm.commandCalls(PutParameterCommand)[0].args[0].input;
    expect(put).toMatchObject({ Name: '/slipway/Slipway/signing-key', Type: 'SecureString', Overwrite: false });
    expect(put.Value).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it('keeps the value another reader created first', async () => {
    ssm.on(GetParameterCommand).rejectsOnce(named('ParameterNotFound')).resolves({ Parameter: { Value: 'theirs' } });
    ssm.on(PutParameterCommand).rejects(named('ParameterAlreadyExists'));
    expect(await values.read(PARAM, { generate: 64 })).toBe('theirs');
  });

  it('answers undefined for a parameter nobody put yet when it is not generated', async () => {
    ssm.on(GetParameterCommand).rejects(named('ParameterNotFound'));
    expect(await values.read(PARAM)).toBeUndefined();
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('tells parameter ARNs from others', () => {
    expect(parameterName(PARAM)).toBe('/slipway/Slipway/signing-key');
    expect(parameterName('arn:aws:secretsmanager:eu-west-1:1:secret:x')).toBeUndefined();
  });
});
