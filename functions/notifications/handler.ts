import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
import { handleNotification } from '../../shared/services/notifications';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `notify` consumer: job and workflow notifications (GitHub commit statuses). */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(sqsConsumer('notify', (deps, message) => handleNotification(deps, message)));
