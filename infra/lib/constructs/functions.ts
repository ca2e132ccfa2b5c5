import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Architecture, Runtime, Tracing, type Function as LambdaFn } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Compute } from './compute';
import type { Data } from './data';
import { FUNCTION_GRANTS, FUNCTION_NAMES, type FunctionName } from '../../../shared/model/function-grants';
import { grantFromTable } from './function-policies';
import type { Oidc } from './oidc';
import { CONSUMER_TIMEOUT, QUEUE_CONSUMERS, type QueueName, type Queues } from './queues';

export { FUNCTION_NAMES, type FunctionName };

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
  readonly logLevel: string;
  readonly logRetention: RetentionDays;
  /** Days audit objects stay locked (a parameter's value). */
  readonly auditRetentionDays: string;
  /** Days the bucket keeps caches (its lifecycle rule): the cache index keeps entries as long. */
  readonly cacheRetentionDays: number;
  /** SES identity (verified domain or address) and sender of email notifications; empty: no email. */
  readonly emailIdentity: string;
  readonly emailFrom: string;
  /** The OIDC signing key (its aliases in the environment; `kms:Sign` for the functions the table says). */
  readonly oidc: Oidc;
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

/** A queue consumer's dead-letter queue URL (`<QUEUE>_DLQ_URL`): where it sends the records it refuses. */
function deadLetterEnvironment(name: FunctionName, queues: Queues): Record<string, string> {
  const q = FUNCTION_GRANTS[name].rejects;
  return q ? { [`${q.toUpperCase()}_DLQ_URL`]: queues.deadLetterQueues[q].queueUrl } : {};
}

/** The environment every function shares (see `functions/env.ts`). */
function sharedEnvironment(scope: Construct, props: FunctionsProps): Record<string, string> {
  const { data, queues, compute } = props;
  const stack = Stack.of(scope);
  return {
    TABLE_NAME: data.table.tableName,
    BUCKET_NAME: data.bucket.bucketName,
    TRIGGERS_QUEUE_URL: queues.queues.triggers.queueUrl,
    DISPATCH_QUEUE_URL: queues.queues.dispatch.queueUrl,
    EVENTS_QUEUE_URL: queues.queues.events.queueUrl,
    NOTIFY_QUEUE_URL: queues.queues.notify.queueUrl,
    PUBLIC_URL: props.publicUrl,
    COMPUTE_MODE: 'aws',
    KMS_KEY_ID: data.key.keyArn,
    SIGNING_KEY_SECRET_ARN: data.signingKeySecret.arn,
    MACHINE_CREDENTIAL_PATH: compute.credentialPath,
    REGISTRY_CREDENTIALS_PREFIX: compute.registryCredentialPrefix,
    MACHINE_INSTANCE_ARN_PREFIX: `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:instance/`,
    ECS_CLUSTER_ARN: compute.cluster.clusterArn,
    ECS_SUBNETS: props.subnetIds.join(','),
    ECS_SECURITY_GROUPS: compute.securityGroup.securityGroupId,
    ECS_ASSIGN_PUBLIC_IP: String(props.assignPublicIp),
    ECS_CAPACITY_PROVIDER: props.fargateSpot ? 'FARGATE_SPOT' : 'FARGATE',
    ECS_TASK_DEFINITIONS: stack.toJsonString(Object.fromEntries(Object.entries(compute.taskDefinitions).map(([cls, td]) => [cls, td.taskDefinitionArn]))),
    MACHINE_ASGS: stack.toJsonString(Object.fromEntries(Object.entries(compute.machineGroups).map(([cls, g]) => [cls, g.autoScalingGroupName]))),
    GITHUB_APP_SECRET_ARN: data.githubAppSecret.arn,
    GITHUB_API_URL: props.githubApiUrl,
    JOB_LEASE_SECONDS: String(props.jobLeaseSeconds),
    AUDIT_RETENTION_DAYS: props.auditRetentionDays,
    CACHE_RETENTION_DAYS: String(props.cacheRetentionDays),
    SLIPWAY_EMAIL_FROM: props.emailFrom,
    POWERTOOLS_METRICS_NAMESPACE: 'Slipway',
    POWERTOOLS_LOG_LEVEL: props.logLevel,
    NODE_OPTIONS: '--enable-source-maps',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ECS_SSH_TASK_ROLE_ARN: compute.sshTaskRole.roleArn,
    MACHINE_SSH_DOCUMENT: compute.sshAccess.document.ref,
    ...(compute.dockerHubMirror && { ECS_DOCKER_HUB_MIRROR: compute.dockerHubMirror }),
    ...props.oidc.environment(),
  };
}

/** esbuild on the local machine (no Docker): minified, ES2022, source maps, plus the config compile worker. */
function bundlingOptions(): BundlingOptions {
  return {
    minify: true,
    target: 'es2022',
    sourceMap: true,
    format: OutputFormat.CJS,
    forceDockerBundling: false,
    // AWS SDK v3 comes with the Node.js 22 runtime: leaving it out keeps bundles small and cold starts short.
    // nodemailer: local mode's SMTP mailer only (loaded on use), never in AWS (SES).
    externalModules: ['@aws-sdk/*', 'nodemailer'],
    // Users' configs compile in a worker thread (shared/adapters/compile), which loads its own bundle
    // from beside the handler's.
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        `${path.join(inputDir, 'node_modules', '.bin', 'esbuild')} ${path.join(inputDir, 'shared', 'adapters', 'compile', 'config-compile-worker.ts')} --bundle --platform=node --target=es2022 --format=cjs --minify --outfile=${path.join(outputDir, 'config-compile-worker.cjs')} --log-level=error`,
      ],
    },
  };
}

/** Queue consumers: partial batch failures, bounded concurrency where a downstream quota requires it. */
function addQueueConsumers(fns: Readonly<Record<FunctionName, NodejsFunction>>, queues: Queues): void {
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
}

/**
 * The seven Lambda functions, their environment (see `functions/env.ts`), event sources and least-privilege
 * permissions. Bundled locally with esbuild (no Docker): minified, ES2022, source maps.
 */
export class Functions extends Construct {
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { data, queues, compute } = props;
    const environment = sharedEnvironment(this, props);
    const fns = {} as Record<FunctionName, NodejsFunction>;
    for (const name of FUNCTION_NAMES) fns[name] = this.createFunction(name, environment, props);
    this.functions = fns;
    addQueueConsumers(fns, queues);
    this.addRules(fns.cron, compute);

    grantFromTable(this.functions, { data, queues, compute, oidc: props.oidc });
    // Email notifications: SendEmail from the one SES identity given as a parameter (least privilege).
    const stack = Stack.of(this);
    this.functions.notifications.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [`arn:${stack.partition}:ses:${stack.region}:${stack.account}:identity/${props.emailIdentity}`],
      }),
    );
  }

  private createFunction(name: FunctionName, environment: Record<string, string>, props: FunctionsProps): NodejsFunction {
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
      environment: { ...environment, ...deadLetterEnvironment(name, props.queues), POWERTOOLS_SERVICE_NAME: `slipway-${name}` },
      bundling: bundlingOptions(),
      // cron: one at a time, so two reaper/scheduler passes never race over the same minute.
      reservedConcurrentExecutions: name === 'cron' && props.reserveConcurrency ? 1 : undefined,
    });
    Validations.of(fn).acknowledge(
      { id: 'AwsSolutions-L1', reason: 'Node.js 22 is the runtime Slipway is built and tested for (TOOLCHAIN.md); upgrade deliberately.' },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "AWS managed policy limited to writing the function's own logs.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords and Describe*/List* actions that AWS does not scope to resources.',
      },
    );
    return fn;
  }

  /** The EventBridge rules that invoke cron: every minute, and on Spot interruptions, stopped tasks and machine lifecycle actions. */
  private addRules(cron: NodejsFunction, compute: Compute): void {
    new Rule(this, 'EveryMinute', {
      description: 'Slipway cron: scheduled pipelines, reaper of silent jobs, reconciler, EC2 pool scale-in',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(cron, { retryAttempts: 0 })],
    });
    new Rule(this, 'SpotInterruption', {
      description: 'Slipway: a machine runner gets a Spot interruption warning; cron fails its job and retries it once',
      eventPattern: { source: ['aws.ec2'], detailType: ['EC2 Spot Instance Interruption Warning'] },
      targets: [new LambdaFunction(cron, { retryAttempts: 2 })],
    });

    // Fail fast: a job task that stops (image pull failure, no capacity, killed) is retried or failed within seconds.
    new Rule(this, 'TaskStopped', {
      description: "Slipway: a job task stopped; cron retries or fails its job at once with ECS's stop reason",
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [compute.cluster.clusterArn], lastStatus: ['STOPPED'], group: [{ prefix: 'slipway:' }] },
      },
      targets: [new LambdaFunction(cron, { retryAttempts: 8 })],
    });
    const groupNames = Object.values(compute.machineGroups).map((g) => g.autoScalingGroupName);
    if (groupNames.length > 0) {
      // Per-instance runner identity: the control plane issues each launching instance its credential.
      new Rule(this, 'InstanceLaunching', {
        description: 'Slipway: a machine launches; cron issues its runner credential and completes the lifecycle action',
        eventPattern: { source: ['aws.autoscaling'], detailType: ['EC2 Instance-launch Lifecycle Action'], detail: { AutoScalingGroupName: groupNames } },
        targets: [new LambdaFunction(cron, { retryAttempts: 8 })],
      });
      new Rule(this, 'InstanceTerminating', {
        description: 'Slipway: Auto Scaling terminates a machine; cron requeues its job and completes the lifecycle action',
        eventPattern: { source: ['aws.autoscaling'], detailType: ['EC2 Instance-terminate Lifecycle Action'], detail: { AutoScalingGroupName: groupNames } },
        targets: [new LambdaFunction(cron, { retryAttempts: 8 })],
      });
    }
  }

  /** Every function, for dashboards and alarms. */
  all(): [FunctionName, LambdaFn][] {
    return FUNCTION_NAMES.map((n) => [n, this.functions[n]]);
  }
}
