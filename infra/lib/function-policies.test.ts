import { Match } from 'aws-cdk-lib/assertions';
import { FUNCTION_GRANTS, FUNCTION_NAMES, OBJECT_ACTIONS, type ObjectAccess } from '../../shared/model/function-grants';
import { actionsOf, byType, fnByService, statements, synthForTest } from './template-helpers';

const { template: t, error } = synthForTest();
const bucketId = byType(t, 'AWS::S3::Bucket').find(([, b]) => b.Properties.LifecycleConfiguration?.Rules?.length === 6)![0];
const keyId = byType(t, 'AWS::KMS::Key')[0][0];
const queueId = (name: string) => byType(t, 'AWS::SQS::Queue').find(([id]) => new RegExp(`Queues${name}[0-9A-F]{8}$`).test(id))![0];

/** The bucket prefixes a function's policy lets it use with `action` (object ARNs `<bucket>/<prefix>/*`). */
function prefixesFor(fn: string, action: string): string[] {
  return statements(t, fn)
    .filter((s) => s.Effect === 'Allow' && actionsOf(s).includes(action))
    .flatMap((s) => [s.Resource].flat())
    .map((r) => JSON.stringify(r).match(new RegExp(`"${bucketId}","Arn"\\]\\},"/([^/]+)/\\*"`))?.[1])
    .filter((p): p is string => Boolean(p))
    .sort();
}
const expected = (fn: keyof typeof FUNCTION_GRANTS, access: ObjectAccess) =>
  Object.entries(FUNCTION_GRANTS[fn].objects)
    .filter(([, a]) => a.includes(access))
    .map(([p]) => p)
    .sort();

describe('function policies (built from FUNCTION_GRANTS)', () => {
  it('synthesizes cdk-nag clean', () => expect(error).toBeUndefined());

  describe.each(FUNCTION_NAMES)('%s', (fn) => {
    it('may use exactly the bucket prefixes its row names, with the actions of each access', () => {
      for (const access of ['read', 'write', 'delete', 'retain'] as const) {
        for (const action of OBJECT_ACTIONS[access]) expect([fn, action, prefixesFor(fn, action)]).toEqual([fn, action, expected(fn, access)]);
      }
      const list = statements(t, fn).find((s) => actionsOf(s).includes('s3:ListBucket'));
      const listed = expected(fn, 'list');
      if (listed.length === 0) expect(list).toBeUndefined();
      else expect([...list.Condition.StringLike['s3:prefix']].sort()).toEqual(listed.map((p) => `${p}/*`).sort());
    });

    it('sends to exactly the queues its row names, and to the dead-letter queue of the queue it consumes', () => {
      const sent = statements(t, fn)
        .filter((s) => actionsOf(s).includes('sqs:SendMessage'))
        .flatMap((s) => [s.Resource].flat())
        .map((r) => r['Fn::GetAtt'][0])
        .sort();
      const rejects = FUNCTION_GRANTS[fn].rejects;
      expect(sent).toEqual([...FUNCTION_GRANTS[fn].send.map((q) => queueId(q)), ...(rejects ? [queueId(`${rejects}dlq`)] : [])].sort());
    });

    it('calls the KMS key directly only for envelope encryption its row names; otherwise through DynamoDB/Secrets Manager', () => {
      const onKey = statements(t, fn).filter((s) => JSON.stringify(s.Resource).includes(`"${keyId}"`));
      const direct = onKey
        .filter((s) => !s.Condition?.StringEquals?.['kms:ViaService'])
        .flatMap(actionsOf)
        .sort();
      const envelope = FUNCTION_GRANTS[fn].envelope.map((a) => (a === 'encrypt' ? 'kms:GenerateDataKey' : 'kms:Decrypt')).sort();
      expect(direct).toEqual(envelope);
      for (const s of onKey.filter((st) => st.Condition)) {
        expect(s.Condition.StringEquals['kms:ViaService']).toEqual(
          expect.arrayContaining([{ 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] }]),
        );
      }
    });
  });

  it("lets only the dispatcher run tasks, and register task definitions only tagged as derived from Slipway's", () => {
    const runners = FUNCTION_NAMES.filter((fn) => statements(t, fn).some((s) => actionsOf(s).includes('ecs:RunTask')));
    expect(runners).toEqual(['dispatcher']);
    const dispatcher = statements(t, 'dispatcher');
    expect(JSON.stringify(dispatcher.find((s) => actionsOf(s).includes('ecs:RunTask')).Resource)).toContain(':task-definition/Slipway-job-*:*');
    expect(dispatcher.find((s) => actionsOf(s).includes('ecs:RegisterTaskDefinition')).Condition).toEqual({
      StringLike: { 'aws:RequestTag/slipway:base-task-definition': 'Slipway-job-*' },
    });
    const passRole = dispatcher.find((s) => actionsOf(s).includes('iam:PassRole'));
    // The execution role, and the ECS Exec role of SSH reruns.
    expect([passRole.Resource].flat()).toHaveLength(2);
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });

  it('gives job tasks no task role (no AWS credentials in job containers); SSH reruns get ECS Exec channels only', () => {
    for (const [, td] of byType(t, 'AWS::ECS::TaskDefinition')) expect(td.Properties.TaskRoleArn).toBeUndefined();
    t.resourcePropertiesCountIs('AWS::IAM::Role', { Description: Match.stringLikeRegexp('Slipway job tasks') }, 0);
    const [sshRole] = Object.keys(t.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('Slipway SSH reruns') } }));
    const granted = byType(t, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === sshRole))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(granted.flatMap(actionsOf).sort()).toEqual([
      'ssmmessages:CreateControlChannel',
      'ssmmessages:CreateDataChannel',
      'ssmmessages:OpenControlChannel',
      'ssmmessages:OpenDataChannel',
    ]);
  });

  it('reads each secret only in the functions whose row names it', () => {
    const secretIds = Object.fromEntries(
      byType(t, 'AWS::SecretsManager::Secret').map(([id, s]) => [
        s.Properties.Name === 'slipway/github-app' ? 'githubApp' : /signs job/.test(s.Properties.Description) ? 'signingKey' : s.Properties.Description,
        id,
      ]),
    );
    for (const fn of FUNCTION_NAMES) {
      const read = statements(t, fn)
        .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
        .map((s) => s.Resource.Ref)
        .sort();
      expect([fn, read]).toEqual([fn, FUNCTION_GRANTS[fn].secrets.map((s) => secretIds[s]).sort()]);
      expect(fnByService(t, fn)).toBeDefined();
    }
  });

  it('has no shared machine runner token: machine instances authenticate with their own credentials', () => {
    expect(byType(t, 'AWS::SecretsManager::Secret').map(([, s]) => s.Properties.Description ?? s.Properties.Name)).not.toContainEqual(
      expect.stringMatching(/runner/i),
    );
  });

  it('lets the functions whose row says so protect machines from scale-in, and only cron write runner credentials (tagged)', () => {
    const protectors = FUNCTION_NAMES.filter((fn) => statements(t, fn).some((s) => actionsOf(s).includes('autoscaling:SetInstanceProtection')));
    expect(protectors).toEqual(FUNCTION_NAMES.filter((fn) => FUNCTION_GRANTS[fn].compute.includes('protect-machines')));
    expect(protectors).toEqual(['api', 'cron']);
    const writers = FUNCTION_NAMES.filter((fn) => statements(t, fn).some((s) => actionsOf(s).includes('ssm:PutParameter')));
    expect(writers).toEqual(['cron']);
    const put = statements(t, 'cron').find((s) => actionsOf(s).includes('ssm:PutParameter'));
    expect(JSON.stringify(put.Resource)).toContain(':parameter/slipway/Slipway/runners/*');
    expect(put.Condition).toEqual({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['slipway:instance-arn'] } });
    expect(actionsOf(put).sort()).toEqual(['ssm:AddTagsToResource', 'ssm:PutParameter']);
  });

  it("lets only the API see ECS Exec sessions: DescribeTasks on the cluster's tasks, DescribeSessions on * (no resource scoping)", () => {
    const watchers = FUNCTION_NAMES.filter((fn) => statements(t, fn).some((s) => actionsOf(s).includes('ssm:DescribeSessions')));
    expect(watchers).toEqual(FUNCTION_NAMES.filter((fn) => FUNCTION_GRANTS[fn].compute.includes('watch-exec-sessions')));
    expect(watchers).toEqual(['api']);
    const sessions = statements(t, 'api').find((s) => actionsOf(s).includes('ssm:DescribeSessions'));
    expect([actionsOf(sessions), sessions.Resource]).toEqual([['ssm:DescribeSessions'], '*']);
    const tasks = statements(t, 'api').find((s) => actionsOf(s).includes('ecs:DescribeTasks'));
    expect(actionsOf(tasks)).toEqual(['ecs:DescribeTasks']);
    expect(JSON.stringify(tasks.Resource)).toMatch(/:task\/".*\/\*"\]/);
  });

  it("lets the dispatcher shorten a message's visibility (capacity retries) on its own queue", () => {
    const change = statements(t, 'dispatcher').find((s) => actionsOf(s).includes('sqs:ChangeMessageVisibility'));
    expect([change.Resource].flat().map((r: any) => r['Fn::GetAtt'][0])).toEqual([queueId('dispatch')]);
  });
});
