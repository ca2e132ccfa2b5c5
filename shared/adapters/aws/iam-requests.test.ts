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
});
