import type { RequestSnapshot } from './request-counter';

/**
 * AWS list prices, us-east-1, USD (November 2026 price pages, cited beside each). Free tiers, storage,
 * key-months, secret-months and data transfer are excluded: the figure is the marginal request cost of the
 * control plane.
 */
export const US_EAST_1_PRICES = {
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ (per write / read request unit) */
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  /** https://aws.amazon.com/sqs/pricing/ (per 64 KB chunk of a request; empty receives are requests too) */
  sqsStandard: 0.4 / 1e6,
  sqsFifo: 0.5 / 1e6,
  /** https://aws.amazon.com/s3/pricing/ (PUT, COPY, POST, LIST / GET and all other requests; DELETE and abort free) */
  s3Put: 0.005 / 1e3,
  s3Get: 0.0004 / 1e3,
  /** https://aws.amazon.com/lambda/pricing/ (per request; per GB-second on Arm, first 6 billion GB-s a month) */
  lambdaRequest: 0.2 / 1e6,
  lambdaArmGbSecond: 0.0000133334,
  /** https://aws.amazon.com/api-gateway/pricing/ (HTTP API, per request, first 300 million a month) */
  httpApiRequest: 1.0 / 1e6,
  /** https://aws.amazon.com/kms/pricing/ (per API request) */
  kmsRequest: 0.03 / 1e4,
  /** https://aws.amazon.com/secrets-manager/pricing/ (per API call) */
  secretsManagerRequest: 0.05 / 1e4,
} as const;

/** A function's configuration as the CDK app gives it (read from the synthesized template). */
export interface FunctionSize {
  readonly memoryMb: number;
  readonly architecture: string;
}

const S3_PUT_CLASS = /^(Put|Copy|List|Post|Create|Complete|Upload|Restore|Select)/;
const S3_FREE = /^(Delete|Abort)/;

/**
 * Lambda's cost of the recorded invocations: per function, its billed milliseconds (each invocation's measured
 * wall time rounded up to the millisecond) × the memory that function is given, at the Arm GB-second price.
 * Throws when a function that ran has no size, or is not Arm: nothing is assumed.
 */
export function lambdaUsd(snapshot: RequestSnapshot, sizes: Readonly<Record<string, FunctionSize>>): number {
  const p = US_EAST_1_PRICES;
  let usd = 0;
  for (const [fn, inv] of Object.entries(snapshot.invocations)) {
    const size = sizes[fn];
    if (!size)
      throw new Error(
        `No memory size for function "${fn}": pass the sizes read from the synthesized template (${Object.keys(sizes).join(', ') || 'none given'}).`,
      );
    if (size.architecture !== 'arm64') throw new Error(`Function "${fn}" is ${size.architecture}; the price table has Arm (arm64) prices only.`);
    usd += inv.count * p.lambdaRequest + (inv.billedMs / 1000) * (size.memoryMb / 1024) * p.lambdaArmGbSecond;
  }
  return usd;
}

/** The request cost of a snapshot in USD, per service; see {@link US_EAST_1_PRICES} for what is included. */
export function priceBreakdownUsd(snapshot: RequestSnapshot, sizes: Readonly<Record<string, FunctionSize>>): Record<string, number> {
  const p = US_EAST_1_PRICES;
  const ops = (service: string) => Object.entries(snapshot.requests[service] ?? {});
  const sum = (entries: [string, number][], pick: (op: string) => boolean) => entries.filter(([op]) => pick(op)).reduce((n, [, c]) => n + c, 0);
  const total = (service: string) => ops(service).reduce((n, [, c]) => n + c, 0);
  const s3 = ops('S3');
  const empty = Object.entries(snapshot.sqsReceivesByQueue).reduce(
    (usd, [queue, r]) => usd + r.empty * (queue.endsWith('.fifo') ? p.sqsFifo : p.sqsStandard),
    0,
  );
  return {
    DynamoDB: snapshot.dynamoWriteUnits * p.dynamoWru + snapshot.dynamoReadUnits * p.dynamoRru,
    SQS: snapshot.sqsStandardChunks * p.sqsStandard + snapshot.sqsFifoChunks * p.sqsFifo,
    'SQS empty receives': empty,
    S3: sum(s3, (op) => S3_PUT_CLASS.test(op)) * p.s3Put + sum(s3, (op) => !S3_PUT_CLASS.test(op) && !S3_FREE.test(op)) * p.s3Get,
    Lambda: lambdaUsd(snapshot, sizes),
    ApiGateway: snapshot.httpApiRequests * p.httpApiRequest,
    KMS: total('KMS') * p.kmsRequest,
    SecretsManager: total('SecretsManager') * p.secretsManagerRequest,
  };
}
