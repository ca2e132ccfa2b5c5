import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { advanceWorkflow } from '../../shared/services/advance-workflow';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `events` FIFO consumer (group = workflow): advance the DAG, dispatch ready jobs, finish workflows. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(sqsConsumer('events', (deps, message) => advanceWorkflow(deps, message)));
