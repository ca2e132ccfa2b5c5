import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
import { dispatchTask } from '../../shared/services/jobs/dispatch-task';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `dispatch` consumer: start compute (Fargate task, EC2 capacity, host process) for one job task. */
export const createDispatcherHandler = (deps: DepsProvider) =>
  middy<SQSEvent>()
    .use(injectLambdaContext(logger))
    .handler(sqsConsumer('dispatch', (d, message) => dispatchTask(d, message), { deps }));

export const handler = createDispatcherHandler(getDeps);
