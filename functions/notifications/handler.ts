import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
import { handleNotification } from '../../shared/services/notifications/notifications';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `notify` consumer: job and workflow notifications (GitHub commit statuses, outbound webhooks, email). */
export const createNotificationsHandler = (deps: DepsProvider) =>
  middy<SQSEvent>()
    .use(injectLambdaContext(logger))
    .handler(sqsConsumer('notify', (d, message) => handleNotification(d, message), { deps }));

export const handler = createNotificationsHandler(getDeps);
