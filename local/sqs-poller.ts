import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface PollerOptions {
  client: SQSClient;
  queueUrl: string;
  /** The consumer handler (the same Lambda handler deployed in AWS). */
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  batchSize?: number;
  /** Concurrent receive loops (Lambda scales consumers out similarly). */
  concurrency?: number;
  onError?: (e: unknown) => void;
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

  constructor(private readonly options: PollerOptions) {}

  async start(): Promise<void> {
    const attrs = await this.options.client.send(new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['QueueArn'] }));
    this.arn = attrs.Attributes?.QueueArn ?? '';
    this.loops = Array.from({ length: this.options.concurrency ?? 1 }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }

  private async loop(): Promise<void> {
    const { client, queueUrl } = this.options;
    while (!this.abort.signal.aborted) {
      try {
        const res = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: this.options.batchSize ?? 10,
            WaitTimeSeconds: 5,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        const messages = res.Messages ?? [];
        if (!messages.length) continue;
        const records: SQSRecord[] = messages.map((m) => ({
          messageId: m.MessageId!,
          receiptHandle: m.ReceiptHandle!,
          body: m.Body ?? '',
          attributes: (m.Attributes ?? {}) as unknown as SQSRecord['attributes'],
          messageAttributes: {},
          md5OfBody: m.MD5OfBody ?? '',
          eventSource: 'aws:sqs',
          eventSourceARN: this.arn,
          awsRegion: process.env.AWS_REGION ?? 'us-east-1',
        }));
        let failed = new Set<string>();
        try {
          const out = await this.options.handler({ Records: records });
          failed = new Set((out?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (e) {
          failed = new Set(records.map((r) => r.messageId));
          this.options.onError?.(e);
        }
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length) {
          await client.send(
            new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })) }),
          );
        }
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.options.onError?.(e);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
