import { askForCapacity, countCapacity, type DynamoUnits, type KeyWrites } from './dynamo-capacity';
import { priceBreakdownUsd, type FunctionSize } from './request-pricing';
import type { InitializeHandlerArguments, InitializeHandlerOutput, InitializeMiddleware, HandlerExecutionContext, MetadataBearer } from '@smithy/types';

/** Requests counted per service and operation, plus the byte, chunk, unit and time counts that pricing needs. */
export interface RequestSnapshot {
  /** `{ DynamoDB: { PutItem: 3 }, SQS: { SendMessage: 2 }, ... }` */
  readonly requests: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Billed SQS requests: one per started 64 KB of payload per request (standard queues). */
  readonly sqsStandardChunks: number;
  /** Polls that returned no message (counted apart; see the middleware). */
  readonly sqsEmptyReceives: number;
  /** ReceiveMessage requests per queue name, how many of them came back empty and the messages they delivered. */
  readonly sqsReceivesByQueue: Readonly<Record<string, Readonly<QueueReceives>>>;
  /** The same for FIFO queues (priced higher). */
  readonly sqsFifoChunks: number;
  /** Bytes uploaded to S3 (PutObject, UploadPart and recorded presigned PUTs). */
  readonly s3PutBytes: number;
  /** Bytes downloaded from S3 (GetObject and recorded presigned GETs). */
  readonly s3GetBytes: number;
  /** DynamoDB read and write units consumed, by item size, as the table reports them (see dynamo-capacity.ts). */
  readonly dynamoReadUnits: number;
  readonly dynamoWriteUnits: number;
  /** Of the write units, those of global secondary index updates. */
  readonly dynamoIndexWriteUnits: number;
  /** DynamoDB write requests and write units per partition key (index keys as `gsi1:<value>`). */
  readonly writesByPartitionKey: Readonly<Record<string, Readonly<KeyWrites>>>;
  /** HTTP API requests recorded with {@link RequestCounter.recordHttpRequest}. */
  readonly httpApiRequests: number;
  /** The same by route (`POST /runner/v1/task/steps`; ids and project slugs as `:id`), where one was given. */
  readonly httpApiRoutes: Readonly<Record<string, number>>;
  /** Lambda invocations recorded with {@link RequestCounter.recordInvocation}, all functions. */
  readonly lambdaInvocations: number;
  /** Per function: invocations, their summed wall time and billed time (each rounded up to the millisecond). */
  readonly invocations: Readonly<Record<string, Readonly<InvocationTimes>>>;
}

export interface QueueReceives {
  receives: number;
  empty: number;
  messages: number;
}

export interface InvocationTimes {
  count: number;
  ms: number;
  billedMs: number;
}

const SQS_CHUNK = 64 * 1024;
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

function byteLength(body: unknown, declared?: number): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  if (body instanceof ArrayBuffer) return body.byteLength;
  return typeof declared === 'number' ? declared : 0;
}

/** A request path as a route: project slugs (`gh/org/repo`), ids and numbers as `:id`. */
export function routeOf(path: string): string {
  return path
    .replace(/\/project\/[^/]+\/[^/]+\/[^/]+/, '/project/:slug')
    .split('/')
    .map((seg) => (/^[0-9]+$|^[0-9a-f-]{20,}$/i.test(seg) ? ':id' : seg))
    .join('/');
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
  private httpApiRoutes = new Map<string, number>();
  private lambdaInvocations = 0;
  private receives = new Map<string, QueueReceives>();
  private dynamo: DynamoUnits = { readUnits: 0, writeUnits: 0, indexWriteUnits: 0 };
  private keyWrites = new Map<string, KeyWrites>();
  private invocations = new Map<string, InvocationTimes>();

  middleware(): InitializeMiddleware<any, MetadataBearer> {
    return (next, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<any>): Promise<InitializeHandlerOutput<MetadataBearer>> => {
        const { service, operation } = this.identify(context);
        this.add(service, operation);
        const input = (args.input ?? {}) as Record<string, any>;
        if (service === 'DynamoDB') return this.countDynamo(operation, input, () => next({ ...args, input: askForCapacity(operation, input) }));
        if (service === 'SQS') this.countSqs(operation, input);
        if (service === 'S3' && (operation === 'PutObject' || operation === 'UploadPart')) {
          this.s3PutBytes += byteLength(input.Body, input.ContentLength);
        }
        const result = await next(args);
        const output = result.output as Record<string, any> | undefined;
        if (service === 'S3' && operation === 'GetObject') this.s3GetBytes += Number(output?.ContentLength ?? 0);
        if (service === 'SQS' && operation === 'ReceiveMessage') this.countReceive(String(input.QueueUrl ?? ''), output?.Messages ?? []);
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
  recordHttpRequest(method?: string, path?: string): void {
    this.httpApiRequests += 1;
    if (method && path) {
      const route = `${method} ${routeOf(path)}`;
      this.httpApiRoutes.set(route, (this.httpApiRoutes.get(route) ?? 0) + 1);
    }
  }

  /** Records one invocation of function `fn` (`api`, `dispatcher`, ...) that ran for `ms` of wall time. */
  recordInvocation(fn: string, ms: number): void {
    this.lambdaInvocations += 1;
    const t = this.invocations.get(fn) ?? { count: 0, ms: 0, billedMs: 0 };
    t.count += 1;
    t.ms += ms;
    t.billedMs += Math.max(1, Math.ceil(ms));
    this.invocations.set(fn, t);
  }

  /** Runs one invocation of function `fn` and records its wall time, whether it resolves or throws. */
  async timeInvocation<T>(fn: string, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.recordInvocation(fn, performance.now() - start);
    }
  }

  snapshot(): RequestSnapshot {
    const requests: Record<string, Record<string, number>> = {};
    for (const [service, ops] of this.requests) requests[service] = Object.fromEntries(ops);
    const copy = <V extends object>(m: Map<string, V>) => Object.fromEntries([...m].map(([k, v]) => [k, { ...v }]));
    return {
      requests,
      sqsStandardChunks: this.sqsStandardChunks,
      sqsEmptyReceives: this.sqsEmptyReceives,
      sqsReceivesByQueue: copy(this.receives),
      sqsFifoChunks: this.sqsFifoChunks,
      s3PutBytes: this.s3PutBytes,
      s3GetBytes: this.s3GetBytes,
      dynamoReadUnits: this.dynamo.readUnits,
      dynamoWriteUnits: this.dynamo.writeUnits,
      dynamoIndexWriteUnits: this.dynamo.indexWriteUnits,
      writesByPartitionKey: copy(this.keyWrites),
      httpApiRequests: this.httpApiRequests,
      httpApiRoutes: Object.fromEntries(this.httpApiRoutes),
      lambdaInvocations: this.lambdaInvocations,
      invocations: copy(this.invocations),
    };
  }

  reset(): void {
    this.requests = new Map();
    this.sqsStandardChunks = this.sqsEmptyReceives = this.sqsFifoChunks = this.s3PutBytes = this.s3GetBytes = this.httpApiRequests = this.lambdaInvocations = 0;
    this.receives = new Map();
    this.httpApiRoutes = new Map();
    this.dynamo = { readUnits: 0, writeUnits: 0, indexWriteUnits: 0 };
    this.keyWrites = new Map();
    this.invocations = new Map();
  }

  /**
   * The request cost of a snapshot in USD, per service (see request-pricing.ts), with each function's measured
   * time priced at its size in `sizes` (read from the synthesized template).
   */
  priceBreakdownUsd(snapshot: RequestSnapshot, sizes: Readonly<Record<string, FunctionSize>>): Record<string, number> {
    return priceBreakdownUsd(snapshot, sizes);
  }

  /** The total request cost of a snapshot in USD. */
  priceUsd(snapshot: RequestSnapshot, sizes: Readonly<Record<string, FunctionSize>>): number {
    return Object.values(priceBreakdownUsd(snapshot, sizes)).reduce((a, b) => a + b, 0);
  }

  private async countDynamo(operation: string, input: Record<string, any>, send: () => Promise<InitializeHandlerOutput<MetadataBearer>>) {
    try {
      const result = await send();
      countCapacity(operation, input, result.output as Record<string, any>, this.dynamo, this.keyWrites);
      return result;
    } catch (e) {
      countCapacity(operation, input, undefined, this.dynamo, this.keyWrites);
      throw e;
    }
  }

  private countReceive(queueUrl: string, messages: { Body?: string }[]): void {
    const name = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    const r = this.receives.get(name) ?? { receives: 0, empty: 0, messages: 0 };
    r.receives += 1;
    r.messages += messages.length;
    const bytes = messages.reduce((n, m) => n + byteLength(m.Body), 0);
    // The request itself was counted as one chunk before it was sent; add the chunks beyond the first. An
    // empty poll is no job's work: Lambda's event source mapping polls each queue whatever the load, so empty
    // receives are counted apart (per queue) and priced on their own line.
    if (messages.length === 0) {
      this.addSqsChunks(queueUrl, -1);
      this.sqsEmptyReceives += 1;
      r.empty += 1;
    } else this.addSqsChunks(queueUrl, chunks(bytes) - 1);
    this.receives.set(name, r);
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
