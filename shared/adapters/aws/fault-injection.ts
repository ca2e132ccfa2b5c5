import { AsyncLocalStorage } from 'node:async_hooks';
import type { FinalizeRequestMiddleware, HandlerExecutionContext, InitializeMiddleware, MetadataBearer } from '@smithy/types';

/**
 * What to inject: `throttle` (the service's throttling error, HTTP 400/503, retried by the SDK with backoff),
 * `transient` (HTTP 500, retried), `lost-response` (the request reaches the service and takes effect, then
 * the response is lost with a 500, so the SDK sends it again: the at-least-once case for writes).
 */
export type FaultKind = 'throttle' | 'transient' | 'lost-response';

export interface FaultSpec {
  /** Seed of the pseudo-random sequence, so a failing run can be replayed. */
  seed: number;
  /** Probability (0..1) that one attempt of a matching request fails. */
  rate: number;
  /** `Service` or `Service:Operation` (e.g. `DynamoDB`, `SQS:SendMessage`, `S3:PutObject`); empty = all. */
  targets?: string[];
  /** Kinds to choose from, uniformly. @default ['throttle', 'transient'] */
  kinds?: FaultKind[];
}

/** Thrown in a consumer armed by {@link consumerFaultScope} right after its first write: the process "died". */
export class SimulatedCrashError extends Error {
  constructor(operation: string) {
    super(`Simulated consumer crash after its first write (${operation}); the message will be delivered again.`);
    this.name = 'SimulatedCrashError';
  }
}

/**
 * Faults of one consumer invocation (the local SQS poller sets them per delivery in the reliability tests):
 * `crashAfterFirstWrite` kills it (every later AWS call throws) right after its first successful write, as a
 * process crash would; `writeDelayMs` stalls it once, before its first write, so a concurrent duplicate
 * delivery writes first and this one writes on stale reads (what conditional writes must withstand).
 */
export interface ConsumerFaults {
  crashAfterFirstWrite?: boolean;
  writeDelayMs?: number;
  /** Set once the simulated crash happened. */
  crashed?: boolean;
}

export const consumerFaultScope = new AsyncLocalStorage<ConsumerFaults>();

const WRITES = /^(Put|Update|Delete|BatchWrite|TransactWrite|SendMessage|PutObject|Upload|CompleteMultipart)/;
/**
 * Never failed: provisioning (the CDK stack's job in AWS, the runtime's at start-up) and long polls (failing
 * them only slows the pollers down; it tests nothing).
 */
const SPARED = new Set(['CreateTable', 'DescribeTable', 'CreateQueue', 'GetQueueAttributes', 'GetQueueUrl', 'CreateBucket', 'HeadBucket', 'ReceiveMessage']);
const THROTTLE_NAMES: Record<string, { name: string; status: number }> = {
  DynamoDB: { name: 'ThrottlingException', status: 400 },
  SQS: { name: 'ThrottlingException', status: 400 },
  S3: { name: 'SlowDown', status: 503 },
};

/** mulberry32: a small, seedable PRNG (identical sequences for identical seeds). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function identify(context: HandlerExecutionContext): { service: string; operation: string } {
  let service = String(context.clientName ?? 'Unknown').replace(/Client$/, '');
  const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
  if (service === 'DynamoDBDocument') service = 'DynamoDB';
  return { service, operation };
}

function serviceError(kind: FaultKind, service: string, operation: string): Error {
  const throttle = THROTTLE_NAMES[service] ?? { name: 'ThrottlingException', status: 429 };
  const { name, status } = kind === 'throttle' ? throttle : { name: 'InternalServerError', status: 500 };
  const error = new Error(`Injected ${kind} fault on ${service}:${operation}.`);
  return Object.assign(error, { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

/**
 * Fault injection for SDK v3 clients (reliability tests, never production): transient errors and throttling
 * by service/operation at a seeded rate, below the SDK's retry middleware so they are retried exactly as real
 * faults are; plus the consumer faults of {@link consumerFaultScope}. Install both middlewares on every client:
 *
 * ```ts
 * const faults = new FaultInjector({ seed: 7, rate: 0.1, targets: ['DynamoDB:UpdateItem'] });
 * faults.install(client);
 * ```
 */
export class FaultInjector {
  private readonly random: () => number;
  private readonly kinds: FaultKind[];
  /** Faults injected so far, by `Service:Operation:kind`. */
  readonly injected = new Map<string, number>();

  constructor(private readonly spec: FaultSpec) {
    if (!(spec.rate >= 0 && spec.rate <= 1)) throw new Error(`Fault rate must be between 0 and 1, got ${spec.rate}.`);
    this.random = prng(spec.seed);
    this.kinds = spec.kinds?.length ? spec.kinds : ['throttle', 'transient'];
  }

  /** Parses `SLIPWAY_AWS_FAULTS` (JSON {@link FaultSpec}); a clear error names the variable when invalid. */
  static fromEnv(value: string | undefined): FaultInjector | undefined {
    if (!value) return undefined;
    try {
      return new FaultInjector(JSON.parse(value) as FaultSpec);
    } catch (e) {
      throw new Error(`SLIPWAY_AWS_FAULTS is not a valid fault spec (${(e as Error).message}). Example: {"seed":1,"rate":0.1,"targets":["DynamoDB"]}`);
    }
  }

  install(client: { middlewareStack: { add: (m: any, o: any) => void } }): void {
    client.middlewareStack.add(consumerFaultMiddleware(), { step: 'initialize', name: 'slipwayConsumerFaults', priority: 'high' });
    client.middlewareStack.add(this.faultMiddleware(), { step: 'finalizeRequest', name: 'slipwayFaultInjection', priority: 'low' });
  }

  private matches(service: string, operation: string): boolean {
    const targets = this.spec.targets ?? [];
    return targets.length === 0 || targets.includes(service) || targets.includes(`${service}:${operation}`);
  }

  private faultMiddleware(): FinalizeRequestMiddleware<any, MetadataBearer> {
    return (next, context) => async (args) => {
      const { service, operation } = identify(context);
      if (SPARED.has(operation) || !this.matches(service, operation) || this.random() >= this.spec.rate) return next(args);
      const kind = this.kinds[Math.floor(this.random() * this.kinds.length)];
      const key = `${service}:${operation}:${kind}`;
      this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
      if (kind === 'lost-response') await next(args);
      throw serviceError(kind, service, operation);
    };
  }
}

/** The {@link consumerFaultScope} middleware alone (installed by {@link FaultInjector.install}, or on its own). */
export function consumerFaultMiddleware(): InitializeMiddleware<any, MetadataBearer> {
  return (next, context) => async (args) => {
    const scope = consumerFaultScope.getStore();
    const { service, operation } = identify(context);
    if (scope?.crashed) throw new SimulatedCrashError(`${service}:${operation} after the crash`);
    const write = WRITES.test(operation);
    if (write && scope?.writeDelayMs) {
      // One stall, before the first write: everything the consumer read before it is now stale.
      const delay = scope.writeDelayMs;
      scope.writeDelayMs = 0;
      await new Promise((r) => setTimeout(r, delay));
    }
    const result = await next(args);
    if (scope?.crashAfterFirstWrite && write) {
      scope.crashed = true;
      throw new SimulatedCrashError(`${service}:${operation}`);
    }
    return result;
  };
}
