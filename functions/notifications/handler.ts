import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `notify` consumer: job and workflow completions (commit statuses and outbound webhooks hook in here). */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(
    sqsConsumer(async (_deps, body: { type: string; workflowId: string; status: string }) => {
      logger.info('notification', { ...body });
    }),
  );
