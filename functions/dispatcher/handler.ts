import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { dispatchTask } from '../../shared/services/dispatch-task';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `dispatch` consumer: start compute (Fargate task, EC2 capacity, host process) for one job task. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(sqsConsumer('dispatch', (deps, message) => dispatchTask(deps, message)));
