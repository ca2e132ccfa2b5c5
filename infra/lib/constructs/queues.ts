import { Duration, Validations } from 'aws-cdk-lib';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Each queue and the function that consumes it. */
export const QUEUE_CONSUMERS = {
  triggers: 'pipelines',
  dispatch: 'dispatcher',
  events: 'conductor',
  notify: 'notifications',
} as const;
export type QueueName = keyof typeof QUEUE_CONSUMERS;

/** Timeout of each queue's consumer; the queue's visibility timeout is six times it (AWS's guidance). */
export const CONSUMER_TIMEOUT: Readonly<Record<QueueName, Duration>> = {
  triggers: Duration.seconds(60),
  dispatch: Duration.seconds(60),
  events: Duration.seconds(60),
  notify: Duration.seconds(30),
};

/** Receives before a message goes to its dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/**
 * The four work queues, each with a dead-letter queue, SSE and TLS-only access. `events` is FIFO with the
 * workflow id as message group (set by the sender) and explicit deduplication ids (content-based off), so
 * the conductor sees a workflow's events in order while different workflows progress in parallel.
 */
export class Queues extends Construct {
  readonly queues: Readonly<Record<QueueName, Queue>>;
  readonly deadLetterQueues: Readonly<Record<QueueName, Queue>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const queues: Partial<Record<QueueName, Queue>> = {};
    const dlqs: Partial<Record<QueueName, Queue>> = {};
    for (const name of Object.keys(QUEUE_CONSUMERS) as QueueName[]) {
      const fifo = name === 'events';
      const common = {
        // SQS-managed SSE: encryption at rest without a KMS request per message.
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        ...(fifo ? { fifo: true, contentBasedDeduplication: false } : {}),
      };
      const dlq = new Queue(this, `${name}-dlq`, { ...common, retentionPeriod: Duration.days(14) });
      Validations.of(dlq).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This is a dead-letter queue; it has an alarm when not empty and an operator redrives it.',
      });
      dlqs[name] = dlq;
      queues[name] = new Queue(this, name, {
        ...common,
        ...(fifo ? { deduplicationScope: DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID } : {}),
        visibilityTimeout: Duration.seconds(CONSUMER_TIMEOUT[name].toSeconds() * 6),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
      });
    }
    this.queues = queues as Record<QueueName, Queue>;
    this.deadLetterQueues = dlqs as Record<QueueName, Queue>;
  }
}
