import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { describeOutcome, handleGitHubEvent } from '../../shared/services/github-events';
import { processPipeline } from '../../shared/services/pipelines';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `triggers` consumer: GitHub deliveries start pipelines; pipelines get their config at the commit, compiled. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(
    sqsConsumer('triggers', async (deps, message) => {
      if (message.type === 'PipelineTriggered') return processPipeline(deps, message.pipelineId);
      logger.info('github event', { type: message.type, delivery: message.deliveryId, outcome: describeOutcome(await handleGitHubEvent(deps, message)) });
    }),
  );
