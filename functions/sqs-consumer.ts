import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ControlPlaneDeps } from '../shared/services/deps';
import { getDeps } from './composition';
import { logger } from './observability';

export interface SqsConsumerOptions {
  /** FIFO queue: after a failure, the rest of its message group in the batch is failed too (order kept). */
  fifo?: boolean;
  /** The dependencies (tests pass their own). @default the function's composition root */
  deps?: () => Promise<ControlPlaneDeps>;
}

/**
 * Builds an SQS consumer that reports partial batch failures (house rule 7): a failing record is retried by
 * the queue and, after maxReceiveCount, lands in the DLQ; its error is logged with the message id and counted
 * in the `MessagesFailed` metric (the function itself succeeds, so its error metric never sees these).
 */
export function sqsConsumer(handle: (deps: ControlPlaneDeps, body: any, record: SQSRecord) => Promise<void>, options: SqsConsumerOptions = {}) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const deps = await (options.deps ?? getDeps)();
    const processor = options.fifo ? new SqsFifoPartialProcessorAsync() : new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        try {
          await handle(deps, JSON.parse(record.body), record);
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
