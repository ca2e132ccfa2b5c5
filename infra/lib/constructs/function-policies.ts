import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  FUNCTION_GRANTS,
  FUNCTION_NAMES,
  OBJECT_ACTIONS,
  type ComputeCapability,
  type FunctionGrants,
  type FunctionName,
  type ObjectAccess,
} from '../../../shared/model/function-grants';
import { MACHINE_CREDENTIAL_TAG, REGISTRY_CREDENTIAL_TAG } from '../../../shared/model/resource-classes';
import { acknowledgeWildcards, nagArn, nagRef } from '../nag';
import type { Compute } from './compute';
import type { Data } from './data';
import type { Oidc } from './oidc';
import type { Queues } from './queues';

/** The table actions of `read` and `read-write` (no Scan: every access pattern is a key or index query). */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
} as const;

/** What the table key may be used for by DynamoDB and Secrets Manager on a function's behalf. */
const SERVICE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
const ENVELOPE_ACTIONS = { encrypt: ['kms:GenerateDataKey'], decrypt: ['kms:Decrypt'] } as const;

export interface FunctionPolicyResources {
  readonly data: Data;
  readonly queues: Queues;
  readonly compute: Compute;
  readonly oidc: Oidc;
}

/**
 * Builds each function's role policy from {@link FUNCTION_GRANTS}: nothing is granted that the table does not
 * name. The KMS key serves two purposes: DynamoDB and Secrets Manager use it on the function's behalf (granted
 * only with `kms:ViaService`), and envelope encryption of project secrets calls it directly (granted only to the
 * functions whose row has `envelope`), so a function without that grant cannot decrypt a secret value.
 */
export function grantFromTable(functions: Readonly<Record<FunctionName, IFunction>>, resources: FunctionPolicyResources): void {
  for (const name of FUNCTION_NAMES) grantOne(functions[name], FUNCTION_GRANTS[name], resources);
}

function grantOne(fn: IFunction, grants: FunctionGrants, { data, queues, compute, oidc }: FunctionPolicyResources): void {
  const stack = Stack.of(fn);
  const add = (s: PolicyStatement) => fn.addToRolePolicy(s);
  const tableActions = grants.table === 'read' ? [...TABLE_ACTIONS.read] : [...TABLE_ACTIONS.read, ...TABLE_ACTIONS.write];
  add(new PolicyStatement({ actions: tableActions, resources: [data.table.tableArn, `${data.table.tableArn}/index/*`] }));
  const secrets = { githubApp: data.githubAppSecret, signingKey: data.signingKeySecret };
  const readable = grants.secrets.map((s) => secrets[s]).filter((s) => s !== undefined);
  const secretServices = [...new Set(readable.map((s) => s.viaService).filter((v) => v !== undefined))];
  const viaServices = ['dynamodb', ...secretServices].map((s) => `${s}.${stack.region}.amazonaws.com`);
  add(new PolicyStatement({ actions: SERVICE_KEY_ACTIONS, resources: [data.key.keyArn], conditions: { StringEquals: { 'kms:ViaService': viaServices } } }));
  acknowledgeWildcards(fn, "Queries of the single table's indexes (gsi1, gsi2).", `Resource::${nagArn(data.table)}/index/*`);

  const envelope = [...new Set(grants.envelope.flatMap((a) => ENVELOPE_ACTIONS[a]))];
  if (envelope.length > 0) add(new PolicyStatement({ actions: envelope, resources: [data.key.keyArn] }));

  grantObjects(fn, grants.objects, data);
  for (const q of grants.send) queues.queues[q].grantSendMessages(fn);
  if (grants.rejects) queues.deadLetterQueues[grants.rejects].grantSendMessages(fn);
  for (const s of readable) for (const statement of s.readStatements()) add(statement);
  for (const c of grants.compute) grantCompute(fn, c, compute);
  if (grants.oidcSigning) oidc.grantMint(fn);
  for (const e of grants.extra ?? []) add(new PolicyStatement({ actions: [...e.actions], resources: [...e.resources] }));
  if ((grants.extra ?? []).some((e) => e.resources.includes('*'))) {
    acknowledgeWildcards(fn, 'Extra grants of FUNCTION_GRANTS on resources created outside the stack (e.g. the SES identity).', 'Resource::*');
  }
}

function grantObjects(fn: IFunction, objects: Readonly<Record<string, readonly ObjectAccess[]>>, data: Data): void {
  const byActions = new Map<string, string[]>();
  const listed: string[] = [];
  for (const [prefix, access] of Object.entries(objects)) {
    const actions = access.filter((a) => a !== 'list').flatMap((a) => OBJECT_ACTIONS[a]);
    if (actions.length > 0) byActions.set(actions.join(','), [...(byActions.get(actions.join(',')) ?? []), prefix]);
    if (access.includes('list')) listed.push(prefix);
  }
  for (const [actions, prefixes] of byActions) {
    fn.addToRolePolicy(new PolicyStatement({ actions: actions.split(','), resources: prefixes.map((p) => data.bucket.arnForObjects(`${p}/*`)) }));
  }
  if (listed.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [data.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': listed.map((p) => `${p}/*`) } },
      }),
    );
  }
  const prefixes = Object.keys(objects);
  if (prefixes.length > 0) {
    acknowledgeWildcards(
      fn,
      'Objects under the prefixes the function owns (FUNCTION_GRANTS); the keys are chosen by the control plane.',
      ...prefixes.map((p) => `Resource::${nagArn(data.bucket)}/${p}/*`),
    );
  }
}

/** What a compute capability's grants are built from: the function, the compute resources and ARN helpers. */
interface ComputeGrantContext {
  readonly fn: IFunction;
  readonly compute: Compute;
  readonly add: (s: PolicyStatement) => void;
  readonly arn: (service: string, resource: string) => string;
}

/** The machine group actions of each machine capability (scale-machines also describes every group). */
const MACHINE_GROUP_ACTIONS = {
  'scale-machines': ['autoscaling:SetDesiredCapacity'],
  // Terminating idle and spent instances, and letting an instance go on once its credential is in place or its
  // job is requeued (launch and termination lifecycle hooks).
  'terminate-machines': ['autoscaling:TerminateInstanceInAutoScalingGroup', 'autoscaling:CompleteLifecycleAction'],
  'protect-machines': ['autoscaling:SetInstanceProtection'],
} as const;

function grantCompute(fn: IFunction, capability: ComputeCapability, compute: Compute): void {
  const stack = Stack.of(fn);
  const ctx: ComputeGrantContext = {
    fn,
    compute,
    add: (s) => fn.addToRolePolicy(s),
    arn: (service, resource) => `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`,
  };
  switch (capability) {
    case 'run-tasks':
      return grantRunTasks(ctx);
    case 'stop-tasks':
      ctx.add(new PolicyStatement({ actions: ['ecs:StopTask'], resources: [ctx.arn('ecs', `task/${compute.cluster.clusterName}/*`)] }));
      // The task to stop is found by the `startedBy` of its (job, task, attempt): the store records no task ARN.
      ctx.add(new PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: { ArnEquals: { 'ecs:cluster': compute.cluster.clusterArn } } }));
      acknowledgeWildcards(
        fn,
        "StopTask of any task in Slipway's cluster (task ids are not known in advance).",
        `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/${nagRef(compute.cluster)}/*`,
      );
      return;
    case 'scale-machines':
    case 'terminate-machines':
    case 'protect-machines':
      return grantMachineGroups(ctx, capability);
    case 'machine-credentials':
      return grantMachineCredentials(ctx);
    case 'watch-exec-sessions':
      return grantWatchExecSessions(ctx);
    case 'registry-credentials':
      return grantRegistryCredentials(ctx);
  }
}

/** ECS Exec sessions into Slipway's tasks: the tasks' container runtime ids, then Session Manager's session list. */
function grantWatchExecSessions({ fn, compute, add, arn }: ComputeGrantContext): void {
  add(new PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [arn('ecs', `task/${compute.cluster.clusterName}/*`)] }));
  // ssm:DescribeSessions supports no resource-level permissions: AWS only accepts `*` for it.
  add(new PolicyStatement({ actions: ['ssm:DescribeSessions'], resources: ['*'] }));
  acknowledgeWildcards(
    fn,
    "DescribeTasks of any task in Slipway's cluster (task ids are not known in advance); ssm:DescribeSessions has no resource-level permissions.",
    `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/${nagRef(compute.cluster)}/*`,
    'Resource::*',
  );
}

function grantRunTasks({ fn, compute, add, arn }: ComputeGrantContext): void {
  const inCluster = { ArnEquals: { 'ecs:cluster': compute.cluster.clusterArn } };
  add(new PolicyStatement({ actions: ['ecs:RunTask'], resources: [arn('ecs', `task-definition/${compute.familyPrefix}-*:*`)], conditions: inCluster }));
  acknowledgeWildcards(
    fn,
    "RunTask of Slipway's task definition families only (base and derived per image set), any revision, in its cluster.",
    `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/${compute.familyPrefix}-*:*`,
  );
  // Registering is allowed only with Slipway's tag on the request, so the dispatcher cannot create other families' revisions unmarked.
  add(
    new PolicyStatement({
      actions: ['ecs:RegisterTaskDefinition'],
      resources: ['*'],
      conditions: { StringLike: { 'aws:RequestTag/slipway:base-task-definition': `${compute.familyPrefix}-*` } },
    }),
  );
  add(new PolicyStatement({ actions: ['ecs:DescribeTaskDefinition'], resources: ['*'] }));
  add(
    new PolicyStatement({
      actions: ['ecs:TagResource'],
      resources: ['*'],
      conditions: { StringEquals: { 'ecs:CreateAction': ['RunTask', 'RegisterTaskDefinition'] } },
    }),
  );
  add(new PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: inCluster }));
  // The execution role (image pulls, logs); job tasks have no task role, except SSH reruns' ECS Exec role.
  add(
    new PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [compute.executionRole.roleArn, compute.sshTaskRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
  );
}

function grantMachineGroups({ fn, compute, add, arn }: ComputeGrantContext, capability: keyof typeof MACHINE_GROUP_ACTIONS): void {
  const groups = Object.values(compute.machineGroups);
  const groupArns = groups.map((g) => arn('autoscaling', `autoScalingGroup:*:autoScalingGroupName/${g.autoScalingGroupName}`));
  if (capability === 'scale-machines') {
    add(new PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances'], resources: ['*'] }));
  }
  if (groupArns.length > 0) add(new PolicyStatement({ actions: [...MACHINE_GROUP_ACTIONS[capability]], resources: groupArns }));
  acknowledgeWildcards(
    fn,
    "Slipway's machine groups by name; the group id part of the ARN is not known before creation.",
    ...groups.map((g) => `Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/${nagRef(g)}`),
  );
}

/** One SecureString per instance under the stack's path, created only with the instance-ARN tag the machine role's read is conditioned on. */
function grantMachineCredentials({ fn, compute, add, arn }: ComputeGrantContext): void {
  const parameters = arn('ssm', `parameter${compute.credentialPath}/*`);
  add(
    new PolicyStatement({
      actions: ['ssm:PutParameter', 'ssm:AddTagsToResource'],
      resources: [parameters],
      conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [MACHINE_CREDENTIAL_TAG] } },
    }),
  );
  add(new PolicyStatement({ actions: ['ssm:DeleteParameter'], resources: [parameters] }));
  acknowledgeWildcards(
    fn,
    "Runner credential parameters of this stack's machine instances (one per instance id, not known in advance).",
    `Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${compute.credentialPath}/*`,
  );
}

/** The projects' registry login secrets under the stack's prefix: created only with their tag, updated in place. */
function grantRegistryCredentials({ fn, compute, add, arn }: ComputeGrantContext): void {
  const secrets = arn('secretsmanager', `secret:${compute.registryCredentialPrefix}*`);
  add(
    new PolicyStatement({
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
      resources: [secrets],
      conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [REGISTRY_CREDENTIAL_TAG] } },
    }),
  );
  add(new PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [secrets] }));
  acknowledgeWildcards(
    fn,
    "Registry login secrets of this stack's projects (one per project, registry and user, not known in advance).",
    `Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${compute.registryCredentialPrefix}*`,
  );
}
