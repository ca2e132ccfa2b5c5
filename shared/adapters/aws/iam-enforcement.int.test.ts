import { ECSClient } from '@aws-sdk/client-ecs';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { createTestResources, resourceEnvironment, type TestResources } from '../../../test/support/aws';
import { FUNCTION_GRANTS, FUNCTION_NAMES } from '../../model/function-grants';
import { EcsFargateCompute } from './ecs-fargate-compute';
import { AccessDeniedError, IamEnforcer, LOCAL_ACCOUNT, runAsFunction } from './iam-enforcement';
import { rolesFromTemplate } from './iam-template';
import { KmsEnvelopeCipher } from './kms-envelope-cipher';
import { S3BlobStore } from './s3-blob-store';
import { SecretsManagerRegistryCredentials } from './secrets-manager-registry-credentials';

const templateFile = process.env.SLIPWAY_IAM_TEMPLATE;
// This suite binds its own enforcer to its own resources; the process-wide one (bound to `slipway dev`'s) stays off.
process.env.SLIPWAY_IAM_ENFORCE = '0';
const KEY = `arn:aws:kms:us-east-1:${LOCAL_ACCOUNT}:key/0f0e0d0c-aaaa-bbbb-cccc-000000000001`;
const CLUSTER = `arn:aws:ecs:us-east-1:${LOCAL_ACCOUNT}:cluster/slipway`;

/** Answers every call of `client` with `reply(command, input)` at the serialize step: AWS services without an emulator. */
function stub<T extends { middlewareStack: { add: (m: any, o: any) => void } }>(client: T, reply: (command: string, input: any) => unknown): T {
  client.middlewareStack.add(
    (_next: unknown, context: { commandName: string }) => async (args: { input: unknown }) => ({
      output: reply(context.commandName, args.input),
      response: {},
    }),
    {
      step: 'serialize',
      priority: 'high',
      name: 'testStub',
    },
  );
  return client;
}

(templateFile ? describe : describe.skip)('IamEnforcer with the synthesized template (SLIPWAY_IAM_TEMPLATE from the Jest global setup)', () => {
  let r: TestResources;
  let enforcer: IamEnforcer;
  let denied: AccessDeniedError[];
  const hook = <T extends { middlewareStack: { add: (m: any, o: any) => void } }>(client: T) => (
    client.middlewareStack.add(enforcer.middleware(), { step: 'initialize', priority: 'high', name: 'iam' }),
    client
  );

  beforeAll(async () => {
    r = await createTestResources();
    const environment = {
      ...resourceEnvironment(r),
      KMS_KEY_ID: KEY,
      ECS_CLUSTER_ARN: CLUSTER,
    };
    const roles = rolesFromTemplate(JSON.parse(readFileSync(templateFile!, 'utf8')), { region: 'us-east-1', account: LOCAL_ACCOUNT, environment });
    denied = [];
    enforcer = new IamEnforcer({ roles, onDeny: (e) => denied.push(e) });
    for (const c of Object.values(r.clients)) hook(c);
  });

  it("denies a function an S3 write outside its prefixes, with AWS's AccessDenied, and allows the owner", async () => {
    const put = (fn: string, key: string) => runAsFunction(fn, () => r.clients.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: key, Body: 'x' })));
    const error = await put('webhooks', 'caches/gh/other/repo/v1-key').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^User: arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/.+/slipway-webhooks is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${r.bucket}/caches/gh/other/repo/v1-key because no identity-based policy allows`,
      ),
    );
    await expect(put('api', 'caches/gh/acme/app/v1-key')).resolves.toBeDefined();
  });

  it('lets pipelines store a config over 4 KB under pipelines/ and read registry orbs, which it could not before', async () => {
    const blobs = new S3BlobStore(r.clients.s3, r.bucket);
    await runAsFunction('pipelines', async () => {
      await blobs.put('pipelines/p-1/config.yml', 'x'.repeat(5000));
      await expect(blobs.get('orbs/acme/tools/1.0.0.yml')).resolves.toBeUndefined();
      await expect(blobs.list('orbs/acme/tools/')).resolves.toEqual([]);
      await expect(blobs.list('caches/')).rejects.toThrow(/s3:ListBucket/);
    });
  });

  it('hands out presigned URLs only for keys the signer may use', async () => {
    const blobs = new S3BlobStore(r.clients.s3, r.bucket);
    await expect(runAsFunction('api', () => blobs.presignPut('caches/gh/acme/app/v1', 60))).resolves.toMatch(/^http/);
    await expect(runAsFunction('api', () => blobs.presignPut('vpc-flow-logs/forged', 60))).rejects.toThrow(/s3:PutObject/);
    await expect(runAsFunction('notifications', () => blobs.presignGet('artifacts/j/a.txt', 60))).rejects.toThrow(AccessDeniedError);
  });

  it('lets each function send only to the queues its row names', async () => {
    for (const fn of FUNCTION_NAMES) {
      for (const q of ['triggers', 'dispatch', 'notify'] as const) {
        const sent = runAsFunction(fn, () => r.clients.sqs.send(new SendMessageCommand({ QueueUrl: r.queueUrls[q], MessageBody: '{}' })));
        if (FUNCTION_GRANTS[fn].send.includes(q)) await expect(sent).resolves.toBeDefined();
        else await expect(sent).rejects.toMatchObject({ name: 'AccessDenied' });
      }
    }
  });

  it('lets each queue consumer send to the dead-letter queue of its own queue only (refused records)', async () => {
    for (const fn of FUNCTION_NAMES) {
      for (const q of ['triggers', 'dispatch', 'events', 'notify'] as const) {
        const fifo = q === 'events' ? { MessageGroupId: 'g', MessageDeduplicationId: `${fn}-${q}` } : {};
        const sent = runAsFunction(fn, () => r.clients.sqs.send(new SendMessageCommand({ QueueUrl: r.deadLetterUrls[q], MessageBody: '{}', ...fifo })));
        if (FUNCTION_GRANTS[fn].rejects === q) await expect(sent).resolves.toBeDefined();
        else await expect(sent).rejects.toMatchObject({ name: 'AccessDenied' });
      }
    }
    expect(FUNCTION_NAMES.filter((fn) => FUNCTION_GRANTS[fn].rejects)).toEqual(['pipelines', 'conductor', 'dispatcher', 'notifications']);
  });

  it('lets every function use the table, and no other table', async () => {
    for (const fn of FUNCTION_NAMES) {
      await runAsFunction(fn, () => r.table.put({ pk: `iam#${fn}`, sk: 'x' } as never));
      expect(() => enforcer.check(fn, 'DynamoDBDocumentClient', 'PutCommand', { TableName: 'another-table' })).toThrow(
        /dynamodb:PutItem on resource: .*table\/another-table/,
      );
    }
  });

  it('lets only the secret-reading functions decrypt project secrets with the key', async () => {
    const kms = hook(
      stub(new KMSClient({ region: 'us-east-1' }), (command) =>
        command === 'GenerateDataKeyCommand' ? { Plaintext: Buffer.alloc(32, 1), CiphertextBlob: Buffer.from('wrapped') } : { Plaintext: Buffer.alloc(32, 1) },
      ),
    );
    const sealed = await runAsFunction('api', () => new KmsEnvelopeCipher(kms, KEY).encrypt('s3cr3t'));
    const decrypts: string[] = [];
    for (const fn of FUNCTION_NAMES) {
      const opened = await runAsFunction(fn, () => new KmsEnvelopeCipher(kms, KEY).decrypt(sealed)).catch((e: Error) => e);
      if (opened === 's3cr3t') decrypts.push(fn);
      else expect(opened).toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('kms:Decrypt') });
    }
    expect(decrypts).toEqual(FUNCTION_NAMES.filter((fn) => FUNCTION_GRANTS[fn].envelope.includes('decrypt')));
    expect(decrypts).not.toContain('webhooks');
  });

  it("lets the dispatcher register derived task definitions and run them in Slipway's cluster only", async () => {
    const baseArn = `arn:aws:ecs:us-east-1:${LOCAL_ACCOUNT}:task-definition/Slipway-job-medium:3`;
    const ecs = hook(
      stub(new ECSClient({ region: 'us-east-1' }), (command, input) => {
        if (command === 'DescribeTaskDefinitionCommand') {
          if (!String(input.taskDefinition).startsWith('arn:')) throw Object.assign(new Error('missing'), { name: 'ClientException' });
          return { taskDefinition: { family: 'Slipway-job-medium', taskDefinitionArn: baseArn, containerDefinitions: [{ name: 'agent', image: 'agent' }] } };
        }
        if (command === 'RegisterTaskDefinitionCommand')
          return { taskDefinition: { taskDefinitionArn: `arn:aws:ecs:us-east-1:${LOCAL_ACCOUNT}:task-definition/${input.family}:1` } };
        return { tasks: [{ taskArn: `arn:aws:ecs:us-east-1:${LOCAL_ACCOUNT}:task/slipway/abc` }] };
      }),
    );
    const launch = {
      jobId: 'j',
      workflowId: 'w',
      projectSlug: 'gh/a/b',
      taskIndex: 0,
      attempt: 1,
      taskToken: 't',
      controlPlaneUrl: 'https://ci',
      executor: { type: 'docker', resourceClass: 'medium', images: [{ image: 'cimg/base:stable', environment: {} }] },
    } as never;
    const fargate = (cluster: string) => new EcsFargateCompute(ecs, { cluster, subnets: ['s'], securityGroups: ['g'], taskDefinitions: { medium: baseArn } });
    await expect(runAsFunction('dispatcher', () => fargate(CLUSTER).launch(launch))).resolves.toMatchObject({
      computeId: expect.stringContaining(':task/slipway/'),
    });
    await expect(runAsFunction('dispatcher', () => fargate(`arn:aws:ecs:us-east-1:${LOCAL_ACCOUNT}:cluster/other`).launch(launch))).rejects.toThrow(
      /ecs:RunTask/,
    );
    await expect(runAsFunction('cron', () => fargate(CLUSTER).launch(launch))).rejects.toThrow(AccessDeniedError);
    expect(() => enforcer.check('dispatcher', 'ECSClient', 'RegisterTaskDefinitionCommand', { family: 'x', tags: [] })).toThrow(/ecs:RegisterTaskDefinition/);
  });

  it("lets only cron write machine runner credentials, under the stack's path and tagged with the instance ARN", () => {
    const put = (tags: Array<{ Key: string; Value: string }>) => ({
      Name: '/slipway/Slipway/runners/i-0abc',
      Type: 'SecureString',
      Value: 'smi.x',
      Tags: tags,
    });
    const tag = [{ Key: 'slipway:instance-arn', Value: `arn:aws:ec2:us-east-1:${LOCAL_ACCOUNT}:instance/i-0abc` }];
    expect(() => enforcer.check('cron', 'SSMClient', 'PutParameterCommand', put(tag))).not.toThrow();
    expect(() => enforcer.check('cron', 'SSMClient', 'DeleteParameterCommand', { Name: '/slipway/Slipway/runners/i-0abc' })).not.toThrow();
    expect(() => enforcer.check('cron', 'SSMClient', 'PutParameterCommand', put([...tag, { Key: 'other', Value: 'x' }]))).toThrow(/ssm:PutParameter/);
    expect(() => enforcer.check('cron', 'SSMClient', 'PutParameterCommand', { ...put(tag), Name: '/elsewhere/i-0abc' })).toThrow(
      /parameter\/elsewhere\/i-0abc/,
    );
    for (const fn of FUNCTION_NAMES.filter((f) => f !== 'cron'))
      expect(() => enforcer.check(fn, 'SSMClient', 'PutParameterCommand', put(tag))).toThrow(AccessDeniedError);
  });

  it("lets only the API see ECS Exec sessions: DescribeTasks in Slipway's cluster, DescribeSessions (no resource scoping)", () => {
    const task = (cluster: string) => `arn:aws:ecs:us-east-1:${LOCAL_ACCOUNT}:task/${cluster}/0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
    const describeTasks = (cluster: string) => ({ cluster, tasks: [task(cluster)] });
    const describeSessions = { State: 'Active', Filters: [{ key: 'Target', value: 'ecs:slipway_0f1e_0f1e-1' }] };
    expect(() => enforcer.check('api', 'ECSClient', 'DescribeTasksCommand', describeTasks('slipway'))).not.toThrow();
    expect(() => enforcer.check('api', 'SSMClient', 'DescribeSessionsCommand', describeSessions)).not.toThrow();
    expect(() => enforcer.check('api', 'ECSClient', 'DescribeTasksCommand', describeTasks('other'))).toThrow(/ecs:DescribeTasks on resource: .*task\/other\//);
    for (const fn of FUNCTION_NAMES.filter((f) => f !== 'api')) {
      expect(() => enforcer.check(fn, 'SSMClient', 'DescribeSessionsCommand', describeSessions)).toThrow(AccessDeniedError);
      expect(() => enforcer.check(fn, 'ECSClient', 'DescribeTasksCommand', describeTasks('slipway'))).toThrow(AccessDeniedError);
    }
  });

  it("lets only the dispatcher store registry logins (images' auth for Fargate), under the stack's prefix and tagged", async () => {
    const sm = hook(
      stub(new SecretsManagerClient({ region: 'us-east-1' }), (_command, input) => ({
        ARN: `arn:aws:secretsmanager:us-east-1:${LOCAL_ACCOUNT}:secret:${input.Name ?? input.SecretId}-AbCdEf`,
      })),
    );
    const login = { projectSlug: 'gh/acme/app', registry: 'registry.example.com', username: 'robot', password: 'p' };
    const store = (prefix: string) => new SecretsManagerRegistryCredentials(sm, prefix);
    await expect(runAsFunction('dispatcher', () => store('slipway/Slipway/registry/').store(login))).resolves.toMatch(/:secret:slipway\/Slipway\/registry\//);
    await expect(runAsFunction('dispatcher', () => store('elsewhere/').store(login))).rejects.toThrow(/secretsmanager:CreateSecret/);
    const create = (tags: Array<{ Key: string; Value: string }>) => ({ Name: 'slipway/Slipway/registry/abc', SecretString: '{}', Tags: tags });
    const tag = [{ Key: 'slipway:registry-credentials', Value: 'registry.example.com' }];
    expect(() => enforcer.check('dispatcher', 'SecretsManagerClient', 'PutSecretValueCommand', { SecretId: 'slipway/Slipway/registry/abc' })).not.toThrow();
    expect(() => enforcer.check('dispatcher', 'SecretsManagerClient', 'CreateSecretCommand', create([...tag, { Key: 'other', Value: 'x' }]))).toThrow(
      /secretsmanager:CreateSecret/,
    );
    expect(() => enforcer.check('dispatcher', 'SecretsManagerClient', 'GetSecretValueCommand', { SecretId: 'slipway/Slipway/registry/abc' })).toThrow(
      /secretsmanager:GetSecretValue/,
    );
    for (const fn of FUNCTION_NAMES.filter((f) => f !== 'dispatcher'))
      expect(() => enforcer.check(fn, 'SecretsManagerClient', 'CreateSecretCommand', create(tag))).toThrow(AccessDeniedError);
  });

  it('does not check calls made outside any function (provisioning, test set-up)', async () => {
    await expect(r.clients.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: 'anything/x', Body: 'x' }))).resolves.toBeDefined();
    expect(denied.every((e) => e instanceof AccessDeniedError)).toBe(true);
  });
});
