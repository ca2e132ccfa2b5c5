import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { dispatchReceived, type DispatchMessage } from '../../shared/services/dispatch-task';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/**
 * `dispatch` consumer: start compute (Fargate task, EC2 capacity, host process) for one job task; without capacity
 * right now, the message comes back within seconds (a short visibility change), not after the full timeout.
 */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(
    sqsConsumer((deps, body: DispatchMessage, record) =>
      dispatchReceived(deps, body, { receiptHandle: record.receiptHandle, receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1) }),
    ),
  );
