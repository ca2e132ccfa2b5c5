import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { dispatchTask, type DispatchMessage } from '../../shared/services/jobs/dispatch-task';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { sqsConsumer } from '../sqs-consumer';

/** `dispatch` consumer: start compute (Fargate task, EC2 capacity, host process) for one job task. */
export const createDispatcherHandler = (getDeps: DepsProvider) =>
  middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(sqsConsumer(getDeps, (deps, body: DispatchMessage) => dispatchTask(deps, body)));

export const handler = createDispatcherHandler(getDeps);
