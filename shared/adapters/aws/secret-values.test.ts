import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(named('ParameterNotFound'))
      .resolves({ Parameter: { Value: 'stored' } });
    ssm.on(PutParameterCommand).resolves({});
    expect(await values.read(PARAM, { generate: 64 })).toBe('stored');
    const put = ssm.commandCalls(PutParameterCommand)[0].args[0].input;
    expect(put).toMatchObject({ Name: '/slipway/Slipway/signing-key', Type: 'SecureString', Overwrite: false });
    expect(put.Value).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it('keeps the value another reader created first', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(named('ParameterNotFound'))
      .resolves({ Parameter: { Value: 'theirs' } });
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

  it("writes an operator's value to a Secrets Manager secret by name, or to an SSM parameter as SecureString", async () => {
    sm.on(PutSecretValueCommand).resolves({});
    ssm.on(PutParameterCommand).resolves({});
    await values.write('slipway/github-app', '{"appId":"1"}');
    await values.write('/slipway/Slipway/github-app', '{"appId":"2"}');
    await values.write('arn:aws:ssm:eu-west-1:1:parameter/slipway/S/github-app', '{"appId":"3"}');
    expect(sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'slipway/github-app', SecretString: '{"appId":"1"}' }]);
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/slipway/Slipway/github-app', Type: 'SecureString', Value: '{"appId":"2"}', Overwrite: true },
      { Name: '/slipway/S/github-app', Type: 'SecureString', Value: '{"appId":"3"}', Overwrite: true },
    ]);
  });
});
