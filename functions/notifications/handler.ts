import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
import { handleNotification, type NotifyMessage } from '../../shared/services/notifications/notifications';
import { logger } from '../observability';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { sqsConsumer } from '../sqs-consumer';

/** `notify` consumer: job and workflow notifications (GitHub commit statuses). */
export const createNotificationsHandler = (getDeps: DepsProvider) =>
  middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(sqsConsumer(getDeps, (deps, body: NotifyMessage) => handleNotification(deps, body)));

export const handler = createNotificationsHandler(getDeps);
