import type { InitializeHandlerArguments, InitializeHandlerOutput, InitializeMiddleware, HandlerExecutionContext, MetadataBearer } from '@smithy/types';

/** Requests counted per service and operation, plus the byte and chunk counts that pricing needs. */
export interface RequestSnapshot {
  /** `{ DynamoDB: { PutItem: 3 }, SQS: { SendMessage: 2 }, ... }` */
  readonly requests: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Billed SQS requests: one per started 64 KB of payload per request (standard queues). */
  readonly sqsStandardChunks: number;
  /** Polls that returned no message (not billed per job; see the middleware). */
  readonly sqsEmptyReceives: number;
  /** The same for FIFO queues (priced higher). */
  readonly sqsFifoChunks: number;
  /** Bytes uploaded to S3 (PutObject, UploadPart and recorded presigned PUTs). */
  readonly s3PutBytes: number;
  /** Bytes downloaded from S3 (GetObject and recorded presigned GETs). */
  readonly s3GetBytes: number;
  /** HTTP API requests recorded with {@link RequestCounter.recordHttpRequest}. */
  readonly httpApiRequests: number;
  /** Lambda invocations recorded with {@link RequestCounter.recordInvocation}. */
  readonly lambdaInvocations: number;
}

/** What the counter cannot see and `priceUsd` must assume. */
export interface PriceAssumptions {
  /** Average billed duration of an invocation. @default 50 */
  readonly lambdaDurationMs?: number;
  /** Function memory. @default 512 */
  readonly lambdaMemoryMb?: number;
  /** Invocations, when not recorded. @default the recorded count */
  readonly lambdaInvocations?: number;
}

/**
 * AWS list prices, us-east-1, USD (November 2026 price pages). Free tiers, storage, key-months, secret-months
 * and data transfer are excluded: the figure is the marginal request cost of the control plane.
 */
export const US_EAST_1_PRICES = {
  /** DynamoDB on-demand, per write / read request unit. */
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  /** SQS, per 64 KB chunk of a request. */
  sqsStandard: 0.4 / 1e6,
  sqsFifo: 0.5 / 1e6,
  /** S3 Standard: PUT, COPY, POST, LIST requests / GET and all other requests (DELETE and abort are free). */
  s3Put: 0.005 / 1e3,
  s3Get: 0.0004 / 1e3,
  /** Lambda: per request and per GB-second on arm64. */
  lambdaRequest: 0.2 / 1e6,
  lambdaArmGbSecond: 0.0000133334,
  /** API Gateway HTTP API, per request (first 300 million a month). */
  httpApiRequest: 1.0 / 1e6,
  /** KMS, per API request. */
  kmsRequest: 0.03 / 1e4,
  /** Secrets Manager, per API call. */
  secretsManagerRequest: 0.05 / 1e4,
} as const;

const SQS_CHUNK = 64 * 1024;
const DYNAMO_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const DYNAMO_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
/** lib-dynamodb's document commands, by the low-level operation they send. */
const DOCUMENT_OPERATIONS: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchWrite: 'BatchWriteItem',
  BatchGet: 'BatchGetItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};
const S3_PUT_CLASS = /^(Put|Copy|List|Post|Create|Complete|Upload|Restore|Select)/;
const S3_FREE = /^(Delete|Abort)/;

function byteLength(body: unknown, declared?: number): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  if (body instanceof ArrayBuffer) return body.byteLength;
  return typeof declared === 'number' ? declared : 0;
}

function chunks(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / SQS_CHUNK));
}

/**
 * Counts AWS requests for the cost model (DESIGN §8: control-plane cost per 1,000 jobs). Add its middleware to
 * every SDK v3 client a composition root builds:
 *
 * ```ts
 * client.middlewareStack.add(counter.middleware(), { step: 'initialize', name: 'slipwayRequestCounter' });
 * ```
 *
 * One logical request is counted per `send` (SDK retries are not seen at this step). Failed requests are
 * counted too, as AWS bills them (e.g. a failed conditional write consumes write units).
 */
export class RequestCounter {
  private requests = new Map<string, Map<string, number>>();
  private sqsStandardChunks = 0;
  private sqsEmptyReceives = 0;
  private sqsFifoChunks = 0;
  private s3PutBytes = 0;
  private s3GetBytes = 0;
  private httpApiRequests = 0;
  private lambdaInvocations = 0;

  middleware(): InitializeMiddleware<any, MetadataBearer> {
    return (next, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<any>): Promise<InitializeHandlerOutput<MetadataBearer>> => {
        const { service, operation } = this.identify(context);
        this.add(service, operation);
        const input = (args.input ?? {}) as Record<string, any>;
        if (service === 'SQS') this.countSqs(operation, input);
        if (service === 'S3' && (operation === 'PutObject' || operation === 'UploadPart')) {
          this.s3PutBytes += byteLength(input.Body, input.ContentLength);
        }
        const result = await next(args);
        const output = result.output as Record<string, any> | undefined;
        if (service === 'S3' && operation === 'GetObject') this.s3GetBytes += Number(output?.ContentLength ?? 0);
        if (service === 'SQS' && operation === 'ReceiveMessage') {
          const messages = output?.Messages ?? [];
          const bytes = messages.reduce((n: number, m: { Body?: string }) => n + byteLength(m.Body), 0);
          // The request itself was counted as one chunk above; add the chunks beyond the first. An empty poll
          // is not work of any job: in AWS, Lambda's event source mapping polls each queue at a fixed rate
          // whatever the load, so it is counted apart (`sqsEmptyReceives`) and priced as a fixed monthly cost.
          if (messages.length === 0) {
            this.addSqsChunks(String(input.QueueUrl ?? ''), -1);
            this.sqsEmptyReceives += 1;
          } else this.addSqsChunks(String(input.QueueUrl ?? ''), chunks(bytes) - 1);
        }
        return result;
      };
  }

  /** Records a request made without the SDK, e.g. an agent's presigned S3 transfer (`'S3', 'PutObject'`). */
  record(service: string, operation: string, bytes = 0): void {
    this.add(service, operation);
    if (service === 'S3' && operation === 'PutObject') this.s3PutBytes += bytes;
    if (service === 'S3' && operation === 'GetObject') this.s3GetBytes += bytes;
  }

  /** Records one request through API Gateway (the local runtime calls this per HTTP request). */
  recordHttpRequest(): void {
    this.httpApiRequests += 1;
  }

  /** Records one Lambda invocation (the local runtime calls this per handler invocation). */
  recordInvocation(): void {
    this.lambdaInvocations += 1;
  }

  snapshot(): RequestSnapshot {
    const requests: Record<string, Record<string, number>> = {};
    for (const [service, ops] of this.requests) requests[service] = Object.fromEntries(ops);
    return {
      requests,
      sqsStandardChunks: this.sqsStandardChunks,
      sqsEmptyReceives: this.sqsEmptyReceives,
      sqsFifoChunks: this.sqsFifoChunks,
      s3PutBytes: this.s3PutBytes,
      s3GetBytes: this.s3GetBytes,
      httpApiRequests: this.httpApiRequests,
      lambdaInvocations: this.lambdaInvocations,
    };
  }

  reset(): void {
    this.requests = new Map();
    this.sqsStandardChunks = this.sqsEmptyReceives = this.sqsFifoChunks = this.s3PutBytes = this.s3GetBytes = this.httpApiRequests = this.lambdaInvocations = 0;
  }

  /** The request cost of a snapshot in USD, per service; see {@link US_EAST_1_PRICES} for what is included. */
  priceBreakdownUsd(snapshot: RequestSnapshot, assumptions: PriceAssumptions = {}): Record<string, number> {
    const p = US_EAST_1_PRICES;
    const ops = (service: string) => Object.entries(snapshot.requests[service] ?? {});
    const sum = (entries: [string, number][], pick: (op: string) => boolean) => entries.filter(([op]) => pick(op)).reduce((n, [, c]) => n + c, 0);
    // Assumption: every DynamoDB request consumes one unit (items ≤ 1 KB written, ≤ 4 KB read strongly consistent).
    const dynamo = ops('DynamoDB');
    const s3 = ops('S3');
    const invocations = assumptions.lambdaInvocations ?? snapshot.lambdaInvocations;
    const gbSeconds = invocations * ((assumptions.lambdaDurationMs ?? 50) / 1000) * ((assumptions.lambdaMemoryMb ?? 512) / 1024);
    const total = (service: string) => ops(service).reduce((n, [, c]) => n + c, 0);
    return {
      DynamoDB: sum(dynamo, (op) => DYNAMO_WRITES.has(op)) * p.dynamoWru + sum(dynamo, (op) => DYNAMO_READS.has(op)) * p.dynamoRru,
      SQS: snapshot.sqsStandardChunks * p.sqsStandard + snapshot.sqsFifoChunks * p.sqsFifo,
      S3: sum(s3, (op) => S3_PUT_CLASS.test(op)) * p.s3Put + sum(s3, (op) => !S3_PUT_CLASS.test(op) && !S3_FREE.test(op)) * p.s3Get,
      Lambda: invocations * p.lambdaRequest + gbSeconds * p.lambdaArmGbSecond,
      ApiGateway: snapshot.httpApiRequests * p.httpApiRequest,
      KMS: total('KMS') * p.kmsRequest,
      SecretsManager: total('SecretsManager') * p.secretsManagerRequest,
    };
  }

  /** The total request cost of a snapshot in USD. */
  priceUsd(snapshot: RequestSnapshot, assumptions: PriceAssumptions = {}): number {
    return Object.values(this.priceBreakdownUsd(snapshot, assumptions)).reduce((a, b) => a + b, 0);
  }

  private identify(context: HandlerExecutionContext): { service: string; operation: string } {
    let service = String(context.clientName ?? 'Unknown').replace(/Client$/, '');
    let operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
    if (service === 'DynamoDBDocument') {
      service = 'DynamoDB';
      operation = DOCUMENT_OPERATIONS[operation] ?? operation;
    }
    return { service, operation };
  }

  private add(service: string, operation: string): void {
    const ops = this.requests.get(service) ?? new Map<string, number>();
    ops.set(operation, (ops.get(operation) ?? 0) + 1);
    this.requests.set(service, ops);
  }

  private countSqs(operation: string, input: Record<string, any>): void {
    const queueUrl = String(input.QueueUrl ?? '');
    if (operation === 'SendMessage') return this.addSqsChunks(queueUrl, chunks(byteLength(input.MessageBody)));
    if (operation === 'SendMessageBatch') {
      const bytes = (input.Entries ?? []).reduce((n: number, e: { MessageBody?: string }) => n + byteLength(e.MessageBody), 0);
      return this.addSqsChunks(queueUrl, chunks(bytes));
    }
    this.addSqsChunks(queueUrl, 1);
  }

  private addSqsChunks(queueUrl: string, n: number): void {
    if (queueUrl.endsWith('.fifo')) this.sqsFifoChunks += n;
    else this.sqsStandardChunks += n;
  }
}
