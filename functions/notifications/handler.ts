import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
import { handleNotification, type NotifyMessage } from '../../shared/services/notifications/notifications';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `notify` consumer: job and workflow notifications (GitHub commit statuses). */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(sqsConsumer((deps, body: NotifyMessage) => handleNotification(deps, body)));
