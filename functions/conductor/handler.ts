import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { advanceWorkflow, type WorkflowMessage } from '../../shared/services/workflows/advance-workflow';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `events` FIFO consumer (group = workflow): advance the DAG, dispatch ready jobs, finish workflows. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(sqsConsumer((deps, body: WorkflowMessage) => advanceWorkflow(deps, body), { fifo: true }));
