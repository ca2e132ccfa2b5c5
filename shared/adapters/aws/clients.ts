import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { appendFileSync } from 'node:fs';
import { consumerFaultMiddleware, FaultInjector } from './fault-injection';
import { enforcerFromEnv, type IamEnforcer } from './iam-enforcement';
import { RequestCounter } from './request-counter';

/**
 * SDK client construction shared by composition roots. Endpoints come from the `AWS_ENDPOINT_URL_*` variables of
 * the environment given (the local runtime and tests point them at the emulators), so no code path
 * differs between AWS and local mode except these emulator quirks, applied only when an endpoint override
 * is present: S3 path-style addressing and checksums only when required (s3rver), SQS queue URLs not used
 * as endpoints (fauxqs).
 */
export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  sqs: SQSClient;
}

export function createAwsClients(env: NodeJS.ProcessEnv): AwsClients {
  const emulatedS3 = Boolean(env.AWS_ENDPOINT_URL_S3);
  const emulatedSqs = Boolean(env.AWS_ENDPOINT_URL_SQS);
  // Region, credentials and endpoints from the given environment when it names them (the local runtime passes
  // its emulators' without touching process.env); otherwise the SDK's own resolution (Lambda's role).
  const common = {
    ...(env.AWS_REGION && { region: env.AWS_REGION }),
    ...(env.AWS_ACCESS_KEY_ID &&
      env.AWS_SECRET_ACCESS_KEY && {
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN },
      }),
  };
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...common, maxAttempts: 5, ...(env.AWS_ENDPOINT_URL_DYNAMODB && { endpoint: env.AWS_ENDPOINT_URL_DYNAMODB }) }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
  const s3 = new S3Client({
    ...common,
    forcePathStyle: emulatedS3,
    ...(emulatedS3 ? { endpoint: env.AWS_ENDPOINT_URL_S3, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
  const sqs = new SQSClient({ ...common, ...(emulatedSqs ? { endpoint: env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false } : {}) });
  installMeasurementHooks(env, [dynamo, s3, sqs]);
  return { dynamo, s3, sqs };
}

/**
 * Measurement and fault hooks for the bench and the reliability suite, off unless the environment asks:
 * `SLIPWAY_COUNT_REQUESTS=1` counts every request of every client of this process in one {@link RequestCounter}
 * (read it with {@link processRequestCounter}); `SLIPWAY_AWS_FAULTS` (JSON fault spec) injects throttling and
 * transient errors; `SLIPWAY_QUEUE_FAULTS` (any of duplicate, reorder, crash) lets the local poller slow a
 * duplicate consumer down or kill one after its first write. One instance per process, so clients built by
 * different composition roots share them.
 */
let hooks: { counter?: RequestCounter; faults?: FaultInjector; iam?: IamEnforcer | null } | undefined;

export function processRequestCounter(env: NodeJS.ProcessEnv = process.env): RequestCounter | undefined {
  if (env.SLIPWAY_COUNT_REQUESTS !== '1') return undefined;
  hooks ??= {};
  return (hooks.counter ??= new RequestCounter());
}

/**
 * `SLIPWAY_IAM_ENFORCE=1` (tests): every call made while a function's handler runs is checked against that
 * function's role in the synthesized template (`SLIPWAY_IAM_TEMPLATE`) and fails with AccessDenied as in AWS.
 */
function processIamEnforcer(env: NodeJS.ProcessEnv): IamEnforcer | undefined {
  hooks ??= {};
  const report = (line: string) => {
    process.stderr.write(line);
    // SLIPWAY_IAM_DENIALS_FILE: every denial of every process of a test run in one file, for review after the run.
    if (env.SLIPWAY_IAM_DENIALS_FILE) appendFileSync(env.SLIPWAY_IAM_DENIALS_FILE, line);
  };
  if (hooks.iam === undefined) hooks.iam = enforcerFromEnv(env, (e) => report(`[iam] ${e.name}: ${e.message}\n`)) ?? null;
  return hooks.iam ?? undefined;
}

type HookableClient = { middlewareStack: { add: (m: any, o: any) => void } };

/** Adds this process's hooks (request counter, faults, IAM enforcement) to a client built by a composition root. */
export function withProcessHooks<T extends HookableClient>(client: T, env: NodeJS.ProcessEnv = process.env): T {
  installMeasurementHooks(env, [client]);
  return client;
}

function installMeasurementHooks(env: NodeJS.ProcessEnv, clients: HookableClient[]): void {
  const counter = processRequestCounter(env);
  const iam = processIamEnforcer(env);
  if (env.SLIPWAY_AWS_FAULTS) {
    hooks ??= {};
    hooks.faults ??= FaultInjector.fromEnv(env.SLIPWAY_AWS_FAULTS);
  }
  const consumerFaults = Boolean(env.SLIPWAY_QUEUE_FAULTS);
  for (const client of clients) {
    if (iam) client.middlewareStack.add(iam.middleware(), { step: 'initialize', name: 'slipwayIamEnforcement', priority: 'high' });
    if (counter) client.middlewareStack.add(counter.middleware(), { step: 'initialize', name: 'slipwayRequestCounter' });
    if (hooks?.faults) hooks.faults.install(client);
    else if (consumerFaults) client.middlewareStack.add(consumerFaultMiddleware(), { step: 'initialize', name: 'slipwayConsumerFaults', priority: 'high' });
  }
}
