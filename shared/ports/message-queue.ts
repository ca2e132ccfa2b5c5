/** The control plane's queues (DESIGN.md §5). `events` is FIFO, grouped by workflow id. */
export type QueueName = 'triggers' | 'dispatch' | 'events' | 'notify';

export interface SendOptions {
  /** FIFO queues: messages of one group are delivered in order, one at a time. Required for `events`. */
  groupId?: string;
  /** FIFO queues: a second send with the same id within 5 minutes is dropped by the queue. */
  deduplicationId?: string;
  /** Standard queues only: delay delivery (0-900 s). */
  delaySeconds?: number;
}

/**
 * Sends control-plane messages. Messages are nudges, not the source of truth: delivery is at-least-once and
 * consumers must be idempotent. `send` resolves once the queue has accepted the message; it is safe to
 * retry (a retry may deliver the message twice). Ordering holds only within a FIFO group.
 */
export interface MessageQueue {
  send(queue: QueueName, body: object, options?: SendOptions): Promise<void>;
  /** Sends many messages (chunked into batches of 10); throws if any could not be sent after retries. */
  sendMany(queue: QueueName, messages: Array<{ body: object; options?: SendOptions }>): Promise<void>;
  /**
   * Makes a message being processed (by its receipt handle) visible again in `seconds` instead of after the
   * queue's visibility timeout: a consumer that knows a retry can succeed soon (no capacity right now) fails the
   * message and calls this first. Best effort: an expired receipt handle changes nothing.
   */
  retryIn?(queue: QueueName, receiptHandle: string, seconds: number): Promise<void>;
}
