import { identifyCall, iamRequestsOf } from './iam-requests';

describe('iamRequestsOf', () => {
  const at = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };

  it('maps SSM parameter calls to the parameter ARN AWS authorises (minimal profile secrets)', () => {
    expect(identifyCall('SSMClient', 'GetParameterCommand')).toEqual({ service: 'ssm', operation: 'GetParameter' });
    expect(iamRequestsOf('ssm', 'GetParameter', { Name: '/slipway/Slipway/signing-key', WithDecryption: true }, at)).toEqual([
      { action: 'ssm:GetParameter', resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/slipway/Slipway/signing-key' },
    ]);
    expect(iamRequestsOf('ssm', 'PutParameter', { Name: 'plain-name' }, at)).toEqual([
      { action: 'ssm:PutParameter', resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/plain-name' },
    ]);
  });

  it('maps ECS Exec session lookups: DescribeTasks per task ARN (with its cluster), DescribeSessions on * (no resource scoping)', () => {
    const task = 'arn:aws:ecs:eu-west-1:123456789012:task/slipway/0f1e';
    expect(iamRequestsOf('ecs', 'DescribeTasks', { cluster: 'slipway', tasks: [task, '9a8b'] }, at)).toEqual([
      { action: 'ecs:DescribeTasks', resource: task, context: { 'ecs:cluster': 'arn:aws:ecs:eu-west-1:123456789012:cluster/slipway' } },
      {
        action: 'ecs:DescribeTasks',
        resource: 'arn:aws:ecs:eu-west-1:123456789012:task/slipway/9a8b',
        context: { 'ecs:cluster': 'arn:aws:ecs:eu-west-1:123456789012:cluster/slipway' },
      },
    ]);
    expect(iamRequestsOf('ssm', 'DescribeSessions', { State: 'Active', Filters: [{ key: 'Target', value: 'ecs:slipway_0f1e_0f1e-1' }] }, at)).toEqual([
      { action: 'ssm:DescribeSessions', resource: '*' },
    ]);
  });

  it('maps CreateSecret to the named secret with its request tags (and TagResource), PutSecretValue to its id', () => {
    const resource = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slipway/Slipway/registry/abc';
    const context = { 'aws:RequestTag/slipway:registry-credentials': 'ghcr.io', 'aws:TagKeys': ['slipway:registry-credentials'] };
    const create = { Name: 'slipway/Slipway/registry/abc', SecretString: '{}', Tags: [{ Key: 'slipway:registry-credentials', Value: 'ghcr.io' }] };
    expect(iamRequestsOf('secretsmanager', 'CreateSecret', create, at)).toEqual([
      { action: 'secretsmanager:CreateSecret', resource, context },
      { action: 'secretsmanager:TagResource', resource, context },
    ]);
    expect(iamRequestsOf('secretsmanager', 'CreateSecret', { Name: 'slipway/Slipway/registry/abc' }, at)).toEqual([
      { action: 'secretsmanager:CreateSecret', resource },
    ]);
    expect(iamRequestsOf('secretsmanager', 'PutSecretValue', { SecretId: `${resource}-AbCdEf` }, at)).toEqual([
      { action: 'secretsmanager:PutSecretValue', resource: `${resource}-AbCdEf` },
    ]);
  });
});
