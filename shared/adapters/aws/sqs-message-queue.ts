import { SendMessageBatchCommand, SendMessageCommand, type SQSClient, ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { REJECT_QUEUE_ATTRIBUTE, REJECT_REASON_ATTRIBUTE } from '../../model/messages';
import type { MessageQueue, QueueMessage, QueueName, RejectedMessage, SendOptions } from '../../ports/message-queue';

/** SQS's limit on one message attribute value is the message size; a reason is kept to a readable length. */
const MAX_REASON_CHARS = 1024;

/** SQS-backed queues; the queue URLs (and their dead-letter queues' URLs) come from the composition root. */
export class SqsMessageQueue implements MessageQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly urls: Record<QueueName, string>,
    private readonly deadLetterUrls: Partial<Record<QueueName, string>> = {},
  ) {}

  private params(queue: QueueName, body: object, options: SendOptions = {}) {
    if (queue === 'events' && !options.groupId) throw new Error('Messages to the events queue need a groupId (the workflow id).');
    return {
      MessageBody: JSON.stringify(body),
      MessageGroupId: options.groupId,
      MessageDeduplicationId: options.groupId ? (options.deduplicationId ?? cryptoId()) : undefined,
      DelaySeconds: options.groupId ? undefined : options.delaySeconds,
    };
  }

  async send<Q extends QueueName>(queue: Q, body: QueueMessage<Q>, options?: SendOptions): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.urls[queue], ...this.params(queue, body, options) }));
  }

  async sendMany<Q extends QueueName>(queue: Q, messages: Array<{ body: QueueMessage<Q>; options?: SendOptions }>): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      let entries = messages.slice(i, i + 10).map((m, j) => ({ Id: String(j), ...this.params(queue, m.body, m.options) }));
      for (let attempt = 0; entries.length; attempt++) {
        const res = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.urls[queue], Entries: entries }));
        const failed = new Set((res.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length && attempt >= 4) {
          throw new Error(`SQS refused ${entries.length} messages to ${queue}: ${res.Failed?.[0]?.Message ?? 'unknown'}`);
        }
      }
    }
  }

  async reject(queue: QueueName, message: RejectedMessage): Promise<void> {
    const url = this.deadLetterUrls[queue];
    if (!url) throw new Error(`No dead-letter queue URL for the ${queue} queue: set ${queue.toUpperCase()}_DLQ_URL (the CDK app sets it).`);
    const fifo = queue === 'events';
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: url,
        // SQS refuses an empty body; an empty record is kept visible as such.
        MessageBody: message.body || '(empty)',
        MessageAttributes: {
          [REJECT_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: message.reason.slice(0, MAX_REASON_CHARS) },
          [REJECT_QUEUE_ATTRIBUTE]: { DataType: 'String', StringValue: queue },
        },
        ...(fifo ? { MessageGroupId: message.groupId ?? 'rejected', MessageDeduplicationId: message.deduplicationId ?? cryptoId() } : {}),
      }),
    );
  }

  async retryIn(queue: QueueName, receiptHandle: string, seconds: number): Promise<void> {
    const change = new ChangeMessageVisibilityCommand({
      QueueUrl: this.urls[queue],
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
    });
    try {
      await this.client.send(change);
    } catch (e) {
      // The message was deleted or its receipt handle expired: nothing left to reschedule.
      if ((e as Error).name === 'ReceiptHandleIsInvalid' || (e as Error).name === 'MessageNotInflight') return;
      throw e;
    }
  }
}

function cryptoId(): string {
  return globalThis.crypto.randomUUID();
}
