import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
import { dispatchReceived } from '../../shared/services/jobs/dispatch-task';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/**
 * `dispatch` consumer: start compute (Fargate task, EC2 capacity, host process) for one job task; without capacity
 * right now, the message comes back within seconds (a short visibility change), not after the full timeout.
 */
export const createDispatcherHandler = (deps: DepsProvider) =>
  middy<SQSEvent>()
    .use(injectLambdaContext(logger))
    .handler(
      sqsConsumer(
        'dispatch',
        (d, message, record) =>
          dispatchReceived(d, message, { receiptHandle: record.receiptHandle, receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1) }),
        { deps },
      ),
    );

export const handler = createDispatcherHandler(getDeps);
