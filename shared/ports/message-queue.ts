import type { QueueMessage, QueueName } from '../model/messages';

/** The control plane's queues (DESIGN.md §5). `events` is FIFO, grouped by workflow id. */
export type { QueueName, QueueMessage } from '../model/messages';

export interface SendOptions {
  /** FIFO queues: messages of one group are delivered in order, one at a time. Required for `events`. */
  groupId?: string;
  /** FIFO queues: a second send with the same id within 5 minutes is dropped by the queue. */
  deduplicationId?: string;
  /** Standard queues only: delay delivery (0-900 s). */
  delaySeconds?: number;
}

/** A record a consumer refused, as it goes to the queue's dead-letter queue. */
export interface RejectedMessage {
  /** The record's body, unchanged (a redrive to the source queue delivers exactly what was sent). */
  body: string;
  /** Why the consumer refused it (which field, what was wrong). */
  reason: string;
  /** FIFO queues: the record's message group and deduplication id (the dead-letter queue is FIFO too). */
  groupId?: string;
  deduplicationId?: string;
}

/**
 * Sends control-plane messages. Messages are nudges, not the source of truth: delivery is at-least-once and
 * consumers must be idempotent. `send` resolves once the queue has accepted the message; it is safe to
 * retry (a retry may deliver the message twice). Ordering holds only within a FIFO group. Each queue takes
 * only its own message type (`shared/model/messages.ts`).
 */
export interface MessageQueue {
  send<Q extends QueueName>(queue: Q, body: QueueMessage<Q>, options?: SendOptions): Promise<void>;
  /** Sends many messages (chunked into batches of 10); throws if any could not be sent after retries. */
  sendMany<Q extends QueueName>(queue: Q, messages: Array<{ body: QueueMessage<Q>; options?: SendOptions }>): Promise<void>;
  /**
   * Puts a record the consumer of `queue` refused (it does not match the queue's schema) on that queue's
   * dead-letter queue, with the reason as the `slipway-reject-reason` message attribute and the queue's name as
   * `slipway-source-queue`. Resolves once the dead-letter queue has accepted it; safe to retry (a retry may
   * leave two copies there). Throws when the dead-letter queue is unknown.
   */
  reject(queue: QueueName, message: RejectedMessage): Promise<void>;
  /**
   * Makes a message being processed (by its receipt handle) visible again in `seconds` instead of after the
   * queue's visibility timeout: a consumer that knows a retry can succeed soon (no capacity right now) fails the
   * message and calls this first. Best effort: an expired receipt handle changes nothing.
   */
  retryIn?(queue: QueueName, receiptHandle: string, seconds: number): Promise<void>;
}
