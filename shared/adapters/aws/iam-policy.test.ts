import { evaluatePolicy, UnsupportedConditionError, wildcardMatch, type PolicyStatementJson } from './iam-policy';

const bucket = 'arn:aws:s3:::slipway';
const policy: PolicyStatementJson[] = [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [`${bucket}/caches/*`, `${bucket}/logs/*`] },
  { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket, Condition: { StringLike: { 's3:prefix': ['caches/*'] } } },
  { Effect: 'Deny', Action: 's3:*', Resource: `${bucket}/caches/secret/*` },
  {
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: 'arn:aws:kms:us-east-1:1:key/k',
    Condition: { StringEquals: { 'kms:ViaService': ['dynamodb.us-east-1.amazonaws.com'] } },
  },
  { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:sqs:us-east-1:1:q-?' },
];

describe('evaluatePolicy', () => {
  it('allows an action on a resource a statement names with a wildcard', () => {
    expect(evaluatePolicy(policy, { action: 's3:PutObject', resource: `${bucket}/caches/p/k` })).toBe('allow');
    expect(evaluatePolicy(policy, { action: 'S3:getobject', resource: `${bucket}/logs/j/1` })).toBe('allow');
  });

  it('denies implicitly when no statement allows the resource or the action', () => {
    expect(evaluatePolicy(policy, { action: 's3:PutObject', resource: `${bucket}/pipelines/p/config.yml` })).toBe('implicit-deny');
    expect(evaluatePolicy(policy, { action: 's3:DeleteObject', resource: `${bucket}/caches/p/k` })).toBe('implicit-deny');
  });

  it('lets an explicit deny win over an allow', () => {
    expect(evaluatePolicy(policy, { action: 's3:GetObject', resource: `${bucket}/caches/secret/x` })).toBe('explicit-deny');
  });

  it('checks s3:prefix on ListBucket and fails a condition whose key the request lacks', () => {
    expect(evaluatePolicy(policy, { action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': 'caches/gh/o/r/v1-' } })).toBe('allow');
    expect(evaluatePolicy(policy, { action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': 'audit/' } })).toBe('implicit-deny');
    expect(evaluatePolicy(policy, { action: 's3:ListBucket', resource: bucket })).toBe('implicit-deny');
  });

  it('allows kms:Decrypt only through the named service (a direct call carries no kms:ViaService)', () => {
    const decrypt = { action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:1:key/k' };
    expect(evaluatePolicy(policy, { ...decrypt, context: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' } })).toBe('allow');
    expect(evaluatePolicy(policy, decrypt)).toBe('implicit-deny');
  });

  it('honours NotAction and the single-character wildcard', () => {
    expect(evaluatePolicy(policy, { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:1:q-a' })).toBe('allow');
    expect(evaluatePolicy(policy, { action: 'iam:PassRole', resource: 'arn:aws:sqs:us-east-1:1:q-a' })).toBe('implicit-deny');
    expect(evaluatePolicy(policy, { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:1:q-ab' })).toBe('implicit-deny');
  });

  it('treats a missing key as satisfying negated operators, and supports set qualifiers and Null', () => {
    const s = (Condition: PolicyStatementJson['Condition']): PolicyStatementJson[] => [{ Effect: 'Allow', Action: '*', Resource: '*', Condition }];
    expect(evaluatePolicy(s({ StringNotEquals: { 'aws:RequestTag/team': 'x' } }), { action: 'a:b', resource: 'r' })).toBe('allow');
    expect(
      evaluatePolicy(s({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }), {
        action: 'a:b',
        resource: 'r',
        context: { 'aws:TagKeys': ['a', 'c'] },
      }),
    ).toBe('implicit-deny');
    expect(
      evaluatePolicy(s({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } }), { action: 'a:b', resource: 'r', context: { 'aws:TagKeys': ['a', 'c'] } }),
    ).toBe('allow');
    expect(evaluatePolicy(s({ Null: { 'aws:RequestTag/x': 'false' } }), { action: 'a:b', resource: 'r' })).toBe('implicit-deny');
  });

  it('refuses a condition operator it does not know rather than guessing', () => {
    const s: PolicyStatementJson[] = [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01' } } }];
    expect(() => evaluatePolicy(s, { action: 'a:b', resource: 'r' })).toThrow(UnsupportedConditionError);
  });
});

describe('wildcardMatch', () => {
  it('escapes regular expression characters in patterns', () => {
    expect(wildcardMatch('arn:aws:s3:::b/a.b/*', 'arn:aws:s3:::b/axb/c')).toBe(false);
    expect(wildcardMatch('arn:aws:s3:::b/a.b/*', 'arn:aws:s3:::b/a.b/c')).toBe(true);
  });
});
