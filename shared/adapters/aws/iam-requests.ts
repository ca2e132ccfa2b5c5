import type { IamRequest } from './iam-policy';

/** Where requests are made: used to build ARNs the way AWS does from a call's parameters. */
export interface CallLocation {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The auto scaling group of an instance (TerminateInstanceInAutoScalingGroup names only the instance). */
  readonly groupOfInstance?: (instanceId: string) => string | undefined;
}

/** lib-dynamodb's document commands, by the operation they send. */
const DOCUMENT_OPERATIONS: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchWrite: 'BatchWriteItem',
  BatchGet: 'BatchGetItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};

/** The IAM service prefix and operation of an SDK call (`DynamoDBDocumentClient`/`PutCommand` → dynamodb, PutItem). */
export function identifyCall(clientName: string | undefined, commandName: string | undefined): { service: string; operation: string } {
  const client = String(clientName ?? '').replace(/Client$/, '');
  const command = String(commandName ?? '').replace(/Command$/, '');
  if (client === 'DynamoDBDocument') return { service: 'dynamodb', operation: DOCUMENT_OPERATIONS[command] ?? command };
  const service = {
    DynamoDB: 'dynamodb',
    S3: 's3',
    SQS: 'sqs',
    KMS: 'kms',
    SecretsManager: 'secretsmanager',
    SSM: 'ssm',
    ECS: 'ecs',
    AutoScaling: 'autoscaling',
  }[client];
  return { service: service ?? client.toLowerCase(), operation: command };
}

const S3_OBJECT_ACTIONS: Record<string, string> = {
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  DeleteObject: 's3:DeleteObject',
  CopyObject: 's3:PutObject',
};
const SQS_ACTIONS: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

const lastSegment = (s: string) => s.slice(s.lastIndexOf('/') + 1);

/**
 * The IAM requests AWS makes of one SDK call: the action, the resource ARN as AWS builds it from the call's
 * parameters, and the condition keys that Slipway's policies test (`s3:prefix`, `ecs:cluster`,
 * `aws:RequestTag/*`, `ecs:CreateAction`; `kms:ViaService` is absent on direct calls, as in AWS). Some calls
 * authorize more than one request (a batch across tables, DeleteObjects per key, RunTask with tags).
 */
export function iamRequestsOf(service: string, operation: string, input: Record<string, any>, at: CallLocation): IamRequest[] {
  const arn = (svc: string, resource: string) => `arn:${at.partition}:${svc}:${at.region}:${at.account}:${resource}`;
  switch (service) {
    case 'dynamodb': {
      const table = (name: string) => (name.startsWith('arn:') ? name : arn('dynamodb', `table/${name}`));
      const action = `dynamodb:${operation}`;
      if (operation === 'BatchWriteItem' || operation === 'BatchGetItem')
        return Object.keys(input.RequestItems ?? {}).map((t) => ({ action, resource: table(t) }));
      if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
        return (input.TransactItems ?? []).map((item: Record<string, { TableName: string }>) => {
          const [kind, body] = Object.entries(item)[0];
          const op = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' }[kind] ?? kind;
          return { action: `dynamodb:${op}`, resource: table(body.TableName) };
        });
      }
      const resource = table(String(input.TableName ?? '')) + (input.IndexName ? `/index/${input.IndexName}` : '');
      return [{ action, resource }];
    }
    case 's3': {
      const bucket = `arn:${at.partition}:s3:::${input.Bucket}`;
      if (S3_OBJECT_ACTIONS[operation]) {
        const object = `${bucket}/${input.Key}`;
        // Writing with an Object Lock retention needs s3:PutObjectRetention as well.
        const retention = input.ObjectLockMode || input.ObjectLockRetainUntilDate ? [{ action: 's3:PutObjectRetention', resource: object }] : [];
        return [{ action: S3_OBJECT_ACTIONS[operation], resource: object }, ...retention];
      }
      if (operation === 'DeleteObjects')
        return (input.Delete?.Objects ?? []).map((o: { Key: string }) => ({ action: 's3:DeleteObject', resource: `${bucket}/${o.Key}` }));
      if (operation === 'ListObjectsV2' || operation === 'ListObjects')
        return [{ action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': String(input.Prefix ?? '') } }];
      if (operation === 'HeadBucket') return [{ action: 's3:ListBucket', resource: bucket }];
      return [{ action: `s3:${operation}`, resource: bucket }];
    }
    case 'sqs': {
      const queue = input.QueueUrl ? arn('sqs', lastSegment(String(input.QueueUrl))) : arn('sqs', String(input.QueueName ?? '*'));
      return [{ action: `sqs:${SQS_ACTIONS[operation] ?? operation}`, resource: queue }];
    }
    case 'kms': {
      const id = String(input.KeyId ?? '');
      const resource = id.startsWith('arn:') ? id : arn('kms', id.startsWith('alias/') ? id : `key/${id}`);
      return [{ action: `kms:${operation}`, resource }];
    }
    case 'secretsmanager': {
      // CreateSecret names the secret (`Name`); creating with tags also needs secretsmanager:TagResource.
      const id = String(input.SecretId ?? input.Name ?? '');
      const resource = id.startsWith('arn:') ? id : arn('secretsmanager', `secret:${id}`);
      const tags: Array<{ Key?: string; Value?: string }> = operation === 'CreateSecret' ? (input.Tags ?? []) : [];
      const context = tags.length
        ? { ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, String(t.Value ?? '')])), 'aws:TagKeys': tags.map((t) => String(t.Key)) }
        : undefined;
      const main: IamRequest = { action: `secretsmanager:${operation}`, resource, ...(context && { context }) };
      return context ? [main, { action: 'secretsmanager:TagResource', resource, context }] : [main];
    }
    case 'ecs':
      return ecsRequests(operation, input, arn);
    case 'ssm': {
      // Session Manager's listing has no resource-level permissions: AWS authorizes it on `*`.
      if (operation === 'DescribeSessions') return [{ action: 'ssm:DescribeSessions', resource: '*' }];
      // Parameter ARNs are `parameter` + the name (which starts with a slash; one is added when it does not);
      // creating with tags also needs ssm:AddTagsToResource.
      const resource = arn('ssm', `parameter/${String(input.Name ?? '').replace(/^\//, '')}`);
      const tags: Array<{ Key?: string; Value?: string }> = input.Tags ?? [];
      const context = tags.length
        ? { ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, String(t.Value ?? '')])), 'aws:TagKeys': tags.map((t) => String(t.Key)) }
        : undefined;
      const main: IamRequest = { action: `ssm:${operation}`, resource, ...(context && { context }) };
      return operation === 'PutParameter' && context ? [main, { action: 'ssm:AddTagsToResource', resource, context }] : [main];
    }
    case 'autoscaling': {
      const group = (name: string | undefined) =>
        arn('autoscaling', `autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${name ?? '<unknown>'}`);
      if (operation === 'TerminateInstanceInAutoScalingGroup')
        return [{ action: `autoscaling:${operation}`, resource: group(at.groupOfInstance?.(String(input.InstanceId))) }];
      if (input.AutoScalingGroupName) return [{ action: `autoscaling:${operation}`, resource: group(String(input.AutoScalingGroupName)) }];
      return [{ action: `autoscaling:${operation}`, resource: '*' }];
    }
    default:
      return [{ action: `${service}:${operation}`, resource: '*' }];
  }
}

function ecsRequests(operation: string, input: Record<string, any>, arn: (svc: string, resource: string) => string): IamRequest[] {
  const cluster = String(input.cluster ?? 'default');
  const clusterArn = cluster.startsWith('arn:') ? cluster : arn('ecs', `cluster/${cluster}`);
  const clusterName = lastSegment(clusterArn);
  const tagContext = (tags: Array<{ key?: string; value?: string }> = []) => ({
    ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.key}`, String(t.value ?? '')])),
    ...(tags.length > 0 ? { 'aws:TagKeys': tags.map((t) => String(t.key)) } : {}),
  });
  switch (operation) {
    case 'RunTask': {
      const td = String(input.taskDefinition ?? '');
      const resource = td.startsWith('arn:') ? td : arn('ecs', `task-definition/${td.includes(':') ? td : `${td}:*`}`);
      const run: IamRequest = { action: 'ecs:RunTask', resource, context: { 'ecs:cluster': clusterArn, ...tagContext(input.tags) } };
      const tag: IamRequest[] = input.tags?.length
        ? [
            {
              action: 'ecs:TagResource',
              resource: arn('ecs', `task/${clusterName}/new`),
              context: { 'ecs:CreateAction': 'RunTask', 'ecs:cluster': clusterArn, ...tagContext(input.tags) },
            },
          ]
        : [];
      return [run, ...tag];
    }
    case 'RegisterTaskDefinition': {
      const register: IamRequest = { action: 'ecs:RegisterTaskDefinition', resource: '*', context: tagContext(input.tags) };
      const tag: IamRequest[] = input.tags?.length
        ? [{ action: 'ecs:TagResource', resource: '*', context: { 'ecs:CreateAction': 'RegisterTaskDefinition', ...tagContext(input.tags) } }]
        : [];
      return [register, ...tag];
    }
    case 'StopTask': {
      const task = String(input.task ?? '');
      return [
        {
          action: 'ecs:StopTask',
          resource: task.startsWith('arn:') ? task : arn('ecs', `task/${clusterName}/${task}`),
          context: { 'ecs:cluster': clusterArn },
        },
      ];
    }
    case 'ListTasks':
      return [{ action: 'ecs:ListTasks', resource: '*', context: { 'ecs:cluster': clusterArn } }];
    case 'DescribeTasks':
      return (input.tasks ?? []).map((t: string) => ({
        action: 'ecs:DescribeTasks',
        resource: t.startsWith('arn:') ? t : arn('ecs', `task/${clusterName}/${t}`),
        context: { 'ecs:cluster': clusterArn },
      }));
    default:
      return [{ action: `ecs:${operation}`, resource: '*', context: { 'ecs:cluster': clusterArn } }];
  }
}
