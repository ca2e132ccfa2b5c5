import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseQueueMessage, type QueueMessage, type QueueName } from '../shared/model/messages';
import type { ControlPlaneDeps } from '../shared/services/deps';
import type { DepsProvider } from './assemble-deps';
import { logger } from './observability';

export type QueueHandler<Q extends QueueName> = (deps: ControlPlaneDeps, message: QueueMessage<Q>, record: SQSRecord) => Promise<unknown>;

/**
 * Builds the consumer of `queue`, reporting partial batch failures (house rule 7). Each record is validated
 * against the queue's schema (`shared/model/messages.ts`) first: a record that does not match is a permanent
 * failure, so it goes straight to the queue's dead-letter queue, body unchanged, with the reason in the
 * `slipway-reject-reason` message attribute, and counts as handled (the rest of the batch goes on, a FIFO group
 * is not blocked behind it). A record whose handler throws is retried by the queue and, after maxReceiveCount,
 * redriven to the same dead-letter queue by SQS (without a reason; its error is logged with the message id and
 * counted in the `MessagesFailed` metric: the function itself succeeds, so its error metric never sees these).
 */
export function sqsConsumer<Q extends QueueName>(queue: Q, handle: QueueHandler<Q>, options: { deps: DepsProvider }) {
  const fifo = queue === 'events';
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const deps = await options.deps();
    const processor = fifo ? new SqsFifoPartialProcessorAsync() : new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const parsed = parseQueueMessage(queue, record.body);
        if (!parsed.ok) return rejectRecord(deps, queue, record, parsed.reason);
        try {
          await handle(deps, parsed.message, record);
        } catch (e) {
          logger.error('message failed', { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount, error: e as Error });
          throw e;
        }
      },
      processor as BatchProcessor,
      { context: context as Context, throwOnFullBatchFailure: false },
    );
    // FIFO: messages failed unprocessed after an earlier failure of their group count too (they are retried the same way).
    if (response.batchItemFailures.length > 0) deps.metrics?.record('MessagesFailed', response.batchItemFailures.length);
    return response;
  };
}

/** Sends a refused record to the dead-letter queue; if that fails, the record fails and the queue retries it. */
async function rejectRecord(deps: ControlPlaneDeps, queue: QueueName, record: SQSRecord, reason: string): Promise<void> {
  logger.error('message refused: sent to the dead-letter queue', { queue, messageId: record.messageId, reason });
  await deps.queue.reject(queue, {
    body: record.body,
    reason,
    groupId: record.attributes?.MessageGroupId,
    deduplicationId: record.attributes?.MessageDeduplicationId ?? record.messageId,
  });
}
