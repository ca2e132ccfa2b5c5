import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { consumerFaultScope } from '../shared/adapters/aws/fault-injection';

/**
 * Queues whose consumers must withstand a stale duplicate (every write conditional): the FIFO queues and the
 * triggers queue. The dispatch and notify consumers are only required to withstand plain duplicates.
 */
const STALLED_DUPLICATE_QUEUES = /(\.fifo|-triggers)$/;

/**
 * Delivery faults for the reliability suite (off by default): hand every message to the handler twice at
 * once (as when a visibility timeout ends while a consumer is still working), on the FIFO queues and the
 * triggers queue the second copy to a consumer that stalls a second before its first write, so it writes on
 * stale reads;
 * reverse the order of what one receive returned (topped up by a second receive); kill the consumer right
 * after its first write on a message's first delivery and deliver it again at once; or hand messages to a
 * handler that never returns (a stuck consumer, which shutdown must not wait for).
 */
export interface PollerFaults {
  duplicate?: boolean;
  reorder?: boolean;
  crashAfterFirstWrite?: boolean;
  hang?: boolean;
}

const FAULT_NAMES = ['duplicate', 'reorder', 'crash', 'hang'];

/** Parses `SLIPWAY_QUEUE_FAULTS`, a comma-separated list: `duplicate`, `reorder`, `crash`, `hang`. */
export function pollerFaultsFromEnv(value: string | undefined): PollerFaults | undefined {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length) return undefined;
  const unknown = names.filter((n) => !FAULT_NAMES.includes(n));
  if (unknown.length) throw new Error(`SLIPWAY_QUEUE_FAULTS: unknown fault ${unknown.join(', ')}. Use ${FAULT_NAMES.join(', ')}.`);
  return {
    duplicate: names.includes('duplicate'),
    reorder: names.includes('reorder'),
    crashAfterFirstWrite: names.includes('crash'),
    hang: names.includes('hang'),
  };
}

/** A message's attributes as Lambda's SQS event source hands them to the function (camel-cased fields). */
function lambdaMessageAttributes(m: Message): SQSRecord['messageAttributes'] {
  return Object.fromEntries(
    Object.entries(m.MessageAttributes ?? {}).map(([name, a]) => [
      name,
      {
        dataType: a.DataType ?? 'String',
        ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}),
        ...(a.BinaryValue !== undefined ? { binaryValue: Buffer.from(a.BinaryValue).toString('base64') } : {}),
        stringListValues: a.StringListValues ?? [],
        binaryListValues: (a.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      },
    ]),
  );
}

export interface PollerOptions {
  client: SQSClient;
  queueUrl: string;
  /** The consumer handler (the same Lambda handler deployed in AWS). */
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  batchSize?: number;
  /** Concurrent receive loops (Lambda scales consumers out similarly). */
  concurrency?: number;
  onError?: (e: unknown) => void;
  faults?: PollerFaults;
  /** The queue's visibility timeout: a batch is kept invisible while its handler runs (see `holdInvisible`). */
  visibilityTimeoutSeconds?: number;
  /** How long at most a batch is kept invisible: 6 x the consumers' 60 s timeout, the CDK app's visibility timeout. @default 360 */
  maxInFlightSeconds?: number;
}

/**
 * Behaves like Lambda's SQS event source mapping: long-polls, hands a batch to the handler as an SQS event,
 * deletes the records that succeeded and leaves the reported failures (or the whole batch, if the handler
 * throws) to reappear after the visibility timeout and, after maxReceiveCount, go to the DLQ.
 */
export class SqsPoller {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private arn = '';
  private readonly crashed = new Set<string>();

  constructor(private readonly options: PollerOptions) {}

  async start(): Promise<void> {
    const attrs = await this.options.client.send(new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['QueueArn'] }));
    this.arn = attrs.Attributes?.QueueArn ?? '';
    this.loops = Array.from({ length: this.options.concurrency ?? 1 }, () => this.loop());
  }

  /**
   * Stops receiving and waits for the handlers in flight, at most `graceMs`: resolves false when some were
   * still running then (their messages come back after the visibility timeout, or the reconciler redoes them).
   */
  async stop(graceMs = Infinity): Promise<boolean> {
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<false>((r) => {
      if (Number.isFinite(graceMs)) timer = setTimeout(() => r(false), graceMs);
    });
    const ended = await Promise.race([Promise.allSettled(this.loops).then(() => true as const), grace]);
    clearTimeout(timer);
    return ended;
  }

  private async loop(): Promise<void> {
    const { client, queueUrl } = this.options;
    while (!this.abort.signal.aborted) {
      try {
        const res = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: this.options.batchSize ?? 10,
            // Lambda's event source mappings long-poll for 20 s; so do these (stop() aborts a poll in progress).
            WaitTimeSeconds: 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        const messages = res.Messages ?? [];
        if (!messages.length) continue;
        if (this.options.faults?.reorder) messages.push(...(await this.receiveMore()));
        const records: SQSRecord[] = messages.map((m) => ({
          messageId: m.MessageId!,
          receiptHandle: m.ReceiptHandle!,
          body: m.Body ?? '',
          attributes: (m.Attributes ?? {}) as unknown as SQSRecord['attributes'],
          messageAttributes: lambdaMessageAttributes(m),
          md5OfBody: m.MD5OfBody ?? '',
          eventSource: 'aws:sqs',
          eventSourceARN: this.arn,
          awsRegion: process.env.AWS_REGION ?? 'us-east-1',
        }));
        const release = this.holdInvisible(records);
        const failed = await (this.options.faults ? this.deliverWithFaults(records) : this.invoke(records)).finally(release);
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length) {
          await client.send(
            new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })) }),
          );
        }
        const retryNow = this.options.faults?.crashAfterFirstWrite ? records.filter((r) => failed.has(r.messageId)) : [];
        if (retryNow.length) {
          await client.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: retryNow.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle, VisibilityTimeout: 0 })),
            }),
          );
        }
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.options.onError?.(e);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /**
   * Keeps a batch invisible while its handler runs, renewing its visibility every half period, for at most
   * `maxInFlightSeconds`. In AWS a function ends before its message's visibility timeout (six times the function's
   * timeout) runs out, so a message is not handed to a second consumer while the first still works on it; local
   * handlers have no timeout, and one busy beyond the queue's short local timeout (a 1,000-job fan-out's conductor
   * pass on a loaded machine) would see its message redelivered to the other poller meanwhile. Stops when the
   * handler returns: failed records reappear after the visibility timeout, as in AWS.
   */
  private holdInvisible(records: SQSRecord[]): () => void {
    const seconds = this.options.visibilityTimeoutSeconds;
    if (!seconds) return () => undefined;
    const until = Date.now() + (this.options.maxInFlightSeconds ?? 360) * 1000;
    const entries = records.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle, VisibilityTimeout: seconds }));
    const timer = setInterval(
      () => {
        if (Date.now() > until) return clearInterval(timer);
        this.options.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries })).catch(() => undefined);
      },
      (seconds * 1000) / 2,
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Hands records to the handler; resolves the ids of the records that failed. */
  private async invoke(records: SQSRecord[]): Promise<Set<string>> {
    if (this.options.faults?.hang) {
      this.options.onError?.(new Error(`hang fault: a handler holds ${records.length} message(s) and never returns`));
      return new Promise<never>(() => undefined);
    }
    try {
      const out = await this.options.handler({ Records: records });
      return new Set((out?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (e) {
      this.options.onError?.(e);
      return new Set(records.map((r) => r.messageId));
    }
  }

  /** What one more receive returns after a moment (reorder mode: more messages to reorder). */
  private async receiveMore(): Promise<Message[]> {
    await new Promise((r) => setTimeout(r, 200));
    const more = await this.options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return more.Messages ?? [];
  }

  /** One record per invocation under the configured faults; a record failed when every delivery of it failed. */
  private async deliverWithFaults(records: SQSRecord[]): Promise<Set<string>> {
    const faults = this.options.faults ?? {};
    const stallCopy = STALLED_DUPLICATE_QUEUES.test(this.options.queueUrl);
    const failed = new Set<string>();
    for (const record of faults.reorder ? [...records].reverse() : records) {
      const once = () => {
        if (!faults.crashAfterFirstWrite || this.crashed.has(record.messageId)) return this.invoke([record]);
        this.crashed.add(record.messageId);
        return consumerFaultScope.run({ crashAfterFirstWrite: true }, () => this.invoke([record]));
      };
      const slowCopy = () => (stallCopy ? consumerFaultScope.run({ writeDelayMs: 1000 }, () => this.invoke([record])) : this.invoke([record]));
      const outcomes = faults.duplicate ? await Promise.all([once(), slowCopy()]) : [await once()];
      if (outcomes.every((o) => o.has(record.messageId))) failed.add(record.messageId);
    }
    return failed;
  }
}
