import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing, type Function as LambdaFn } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Compute } from './compute';
import type { Data } from './data';
import { acknowledgeWildcards, nagArn, nagRef } from '../nag';
import { CONSUMER_TIMEOUT, QUEUE_CONSUMERS, type QueueName, type Queues } from './queues';

export const FUNCTION_NAMES = ['api', 'webhooks', 'pipelines', 'conductor', 'dispatcher', 'cron', 'notifications'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The repository root (entries are `functions/<name>/handler.ts`). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

export interface FunctionsProps {
  readonly data: Data;
  readonly queues: Queues;
  readonly compute: Compute;
  readonly publicUrl: string;
  readonly subnetIds: string[];
  readonly assignPublicIp: boolean;
  readonly fargateSpot: boolean;
  readonly githubApiUrl: string;
  readonly jobLeaseSeconds: number;
  readonly reserveConcurrency: boolean;
  readonly logRetention: RetentionDays;
  /** Environment naming the OIDC signing key aliases. */
  readonly oidcEnvironment: Record<string, string>;
}

const SETTINGS: Record<FunctionName, { memory: number; timeout: Duration }> = {
  api: { memory: 1024, timeout: Duration.seconds(29) },
  webhooks: { memory: 512, timeout: Duration.seconds(10) },
  pipelines: { memory: 1024, timeout: CONSUMER_TIMEOUT.triggers },
  conductor: { memory: 512, timeout: CONSUMER_TIMEOUT.events },
  dispatcher: { memory: 512, timeout: CONSUMER_TIMEOUT.dispatch },
  cron: { memory: 512, timeout: Duration.seconds(55) },
  notifications: { memory: 256, timeout: CONSUMER_TIMEOUT.notify },
};

/**
 * The seven Lambda functions, their environment (see `functions/env.ts`), event sources and least-privilege
 * permissions. Bundled locally with esbuild (no Docker): minified, ES2022, source maps.
 */
export class Functions extends Construct {
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { data, queues, compute } = props;
    const environment: Record<string, string> = {
      TABLE_NAME: data.table.tableName,
      BUCKET_NAME: data.bucket.bucketName,
      TRIGGERS_QUEUE_URL: queues.queues.triggers.queueUrl,
      DISPATCH_QUEUE_URL: queues.queues.dispatch.queueUrl,
      EVENTS_QUEUE_URL: queues.queues.events.queueUrl,
      NOTIFY_QUEUE_URL: queues.queues.notify.queueUrl,
      PUBLIC_URL: props.publicUrl,
      COMPUTE_MODE: 'aws',
      KMS_KEY_ID: data.key.keyArn,
      SIGNING_KEY_SECRET_ARN: data.signingKeySecret.secretArn,
      MACHINE_RUNNER_TOKEN_SECRET_ARN: data.runnerTokenSecret.secretArn,
      ECS_CLUSTER_ARN: compute.cluster.clusterArn,
      ECS_SUBNETS: props.subnetIds.join(','),
      ECS_SECURITY_GROUPS: compute.securityGroup.securityGroupId,
      ECS_ASSIGN_PUBLIC_IP: String(props.assignPublicIp),
      ECS_CAPACITY_PROVIDER: props.fargateSpot ? 'FARGATE_SPOT' : 'FARGATE',
      ECS_TASK_DEFINITIONS: Stack.of(this).toJsonString(
        Object.fromEntries(Object.entries(compute.taskDefinitions).map(([cls, td]) => [cls, td.taskDefinitionArn])),
      ),
      MACHINE_ASGS: Stack.of(this).toJsonString(
        Object.fromEntries(Object.entries(compute.machineGroups).map(([cls, g]) => [cls, g.autoScalingGroupName])),
      ),
      GITHUB_APP_SECRET_ARN: data.githubAppSecret.secretArn,
      GITHUB_API_URL: props.githubApiUrl,
      JOB_LEASE_SECONDS: String(props.jobLeaseSeconds),
      POWERTOOLS_METRICS_NAMESPACE: 'Slipway',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...props.oidcEnvironment,
    };

    const fns = {} as Record<FunctionName, NodejsFunction>;
    for (const name of FUNCTION_NAMES) {
      const logGroup = new LogGroup(this, `${name}-logs`, { retention: props.logRetention });
      const fn = new NodejsFunction(this, name, {
        entry: path.join(REPO_ROOT, 'functions', name, 'handler.ts'),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: SETTINGS[name].memory,
        timeout: SETTINGS[name].timeout,
        tracing: Tracing.ACTIVE,
        logGroup,
        environment: { ...environment, POWERTOOLS_SERVICE_NAME: `slipway-${name}` },
        bundling: {
          minify: true,
          target: 'es2022',
          sourceMap: true,
          format: OutputFormat.CJS,
          forceDockerBundling: false,
          // AWS SDK v3 comes with the Node.js 22 runtime: leaving it out keeps bundles small and cold starts short.
          externalModules: ['@aws-sdk/*'],
        },
        // cron: one at a time, so two reaper/scheduler passes never race over the same minute.
        reservedConcurrentExecutions: name === 'cron' && props.reserveConcurrency ? 1 : undefined,
      });
      Validations.of(fn).acknowledge(
        { id: 'AwsSolutions-L1', reason: 'Node.js 22 is the runtime Slipway is built and tested for (TOOLCHAIN.md); upgrade deliberately.' },
        { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'AWS managed policy limited to writing the function\'s own logs.' },
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray PutTraceSegments/PutTelemetryRecords and Describe*/List* actions that AWS does not scope to resources.' },
      );
      fns[name] = fn;
    }
    this.functions = fns;

    // Queue consumers: partial batch failures, bounded concurrency where a downstream quota requires it.
    for (const [queueName, fnName] of Object.entries(QUEUE_CONSUMERS) as [QueueName, FunctionName][]) {
      const queue = queues.queues[queueName];
      fns[fnName].addEventSource(
        new SqsEventSource(queue, {
          batchSize: 10,
          reportBatchItemFailures: true,
          ...(queueName === 'events' ? {} : { maxBatchingWindow: Duration.seconds(0) }),
          // dispatcher: ECS RunTask and Auto Scaling have account rate quotas; 20 concurrent batches stay under them.
          // notifications: GitHub's secondary rate limits punish bursts of status updates.
          ...(fnName === 'dispatcher' ? { maxConcurrency: 20 } : fnName === 'notifications' ? { maxConcurrency: 5 } : {}),
        }),
      );
    }

    new Rule(this, 'EveryMinute', {
      description: 'Slipway cron: scheduled pipelines, reaper of silent jobs, reconciler, EC2 pool scale-in',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(fns.cron, { retryAttempts: 0 })],
    });
    new Rule(this, 'SpotInterruption', {
      description: 'Slipway: a machine runner gets a Spot interruption warning; cron fails its job and retries it once',
      eventPattern: { source: ['aws.ec2'], detailType: ['EC2 Spot Instance Interruption Warning'] },
      targets: [new LambdaFunction(fns.cron, { retryAttempts: 2 })],
    });

    this.grant(props);
  }

  private grant(props: FunctionsProps): void {
    const { data, queues, compute } = props;
    const f = this.functions;
    const q = queues.queues;
    const stack = Stack.of(this);

    for (const name of FUNCTION_NAMES) {
      data.table.grantReadWriteData(f[name]);
      acknowledgeWildcards(f[name], 'Queries of the single table\'s GSIs (gsi1, gsi2) and KMS data keys of its customer managed key.',
        `Resource::${nagArn(data.table)}/index/*`, 'Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*');
    }
    q.triggers.grantSendMessages(f.api);
    q.triggers.grantSendMessages(f.webhooks);
    q.triggers.grantSendMessages(f.cron);
    for (const name of ['api', 'pipelines', 'conductor', 'cron'] as const) q.dispatch.grantSendMessages(f[name]);
    for (const name of ['api', 'pipelines', 'dispatcher', 'cron'] as const) q.events.grantSendMessages(f[name]);
    for (const name of ['api', 'pipelines', 'conductor', 'cron'] as const) q.notify.grantSendMessages(f[name]);

    for (const name of ['api', 'webhooks', 'pipelines', 'notifications'] as const) data.githubAppSecret.grantRead(f[name]);
    for (const name of ['api', 'dispatcher'] as const) data.signingKeySecret.grantRead(f[name]);
    data.runnerTokenSecret.grantRead(f.api);
    // Envelope encryption of project env vars, contexts and notification targets.
    for (const name of ['api', 'notifications'] as const) data.key.grantEncryptDecrypt(f[name]);
    data.key.grantDecrypt(f.pipelines);

    // S3: the API presigns log/artifact/cache/workspace/test-result transfers for agents and the UI.
    const bucket = nagArn(data.bucket);
    const jobPrefixes = ['logs', 'artifacts', 'caches', 'workspaces', 'test-results'];
    f.api.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: jobPrefixes.map((p) => data.bucket.arnForObjects(`${p}/*`)),
      }),
    );
    // restore_cache matches keys by prefix (newest first), so the API lists under caches/ only.
    f.api.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [data.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['caches/*'] } } }),
    );
    for (const name of ['api', 'pipelines'] as const) {
      f[name].addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [data.bucket.arnForObjects('audit/*')] }));
    }
    acknowledgeWildcards(f.api, 'Presigned transfers for any job\'s objects under the job data prefixes (keys chosen by the API); audit records.',
      ...[...jobPrefixes, 'audit'].map((p) => `Resource::${bucket}/${p}/*`));
    acknowledgeWildcards(f.pipelines, 'Writes audit records under audit/ only.', `Resource::${bucket}/audit/*`);

    // Fargate: register derived task definitions and run tasks only of Slipway's families.
    const family = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task-definition/${compute.familyPrefix}-*`;
    f.dispatcher.addToRolePolicy(new PolicyStatement({ actions: ['ecs:RunTask'], resources: [`${family}:*`], conditions: { ArnEquals: { 'ecs:cluster': compute.cluster.clusterArn } } }));
    acknowledgeWildcards(f.dispatcher, 'RunTask of Slipway\'s task definition families only (base and derived per image set), any revision, in its cluster.',
      `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/${compute.familyPrefix}-*:*`);
    f.dispatcher.addToRolePolicy(new PolicyStatement({ actions: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'], resources: ['*'] }));
    f.dispatcher.addToRolePolicy(
      new PolicyStatement({ actions: ['ecs:TagResource'], resources: ['*'], conditions: { StringEquals: { 'ecs:CreateAction': ['RunTask', 'RegisterTaskDefinition'] } } }),
    );
    f.dispatcher.addToRolePolicy(new PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: { ArnEquals: { 'ecs:cluster': compute.cluster.clusterArn } } }));
    f.dispatcher.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [compute.taskRole.roleArn, compute.executionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    const tasks = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task/${compute.cluster.clusterName}/*`;
    for (const name of ['api', 'cron', 'dispatcher'] as const) {
      f[name].addToRolePolicy(new PolicyStatement({ actions: ['ecs:StopTask'], resources: [tasks] }));
      acknowledgeWildcards(f[name], 'StopTask of any task in Slipway\'s cluster (task ids are not known in advance).',
        `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/${nagRef(compute.cluster)}/*`);
    }

    // EC2 machine pools: scale out (dispatcher) and in (cron) only Slipway's groups.
    const groupArns = Object.values(compute.machineGroups).map(
      (g) => `arn:${stack.partition}:autoscaling:${stack.region}:${stack.account}:autoScalingGroup:*:autoScalingGroupName/${g.autoScalingGroupName}`,
    );
    for (const name of ['dispatcher', 'cron'] as const) {
      f[name].addToRolePolicy(new PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances'], resources: ['*'] }));
      if (groupArns.length > 0) f[name].addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['autoscaling:SetDesiredCapacity'], resources: groupArns }));
      acknowledgeWildcards(f[name], 'Slipway\'s machine groups by name; the group id part of the ARN is not known before creation.',
        ...Object.values(compute.machineGroups).map(
          (g) => `Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/${nagRef(g)}`,
        ));
    }
    if (groupArns.length > 0) {
      f.cron.addToRolePolicy(new PolicyStatement({ actions: ['autoscaling:TerminateInstanceInAutoScalingGroup'], resources: groupArns }));
    }
  }

  /** Every function, for dashboards and alarms. */
  all(): [FunctionName, LambdaFn][] {
    return FUNCTION_NAMES.map((n) => [n, this.functions[n]]);
  }
}
