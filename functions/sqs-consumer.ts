import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ControlPlaneDeps } from '../shared/services/deps';
import type { DepsProvider } from './assemble-deps';
import { logger } from './observability';

/**
 * Builds an SQS consumer that reports partial batch failures (house rule 7): a failing record is retried by
 * the queue and, after maxReceiveCount, lands in the DLQ; its error is logged with the message id.
 */
export function sqsConsumer(getDeps: DepsProvider, handle: (deps: ControlPlaneDeps, body: any, record: SQSRecord) => Promise<void>, options: { fifo?: boolean } = {}) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const processor = options.fifo ? new SqsFifoPartialProcessorAsync() : new BatchProcessor(EventType.SQS);
    return processPartialResponse(
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
  };
}
