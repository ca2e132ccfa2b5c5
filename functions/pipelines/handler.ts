import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { describeOutcome, handleGitHubEvent } from '../../shared/services/github/github-events';
import { processPipeline } from '../../shared/services/pipelines/pipelines';
import { isGitHubEventMessage } from '../../shared/services/github/webhooks';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { sqsConsumer } from '../sqs-consumer';

/** `triggers` consumer: GitHub deliveries start pipelines; pipelines get their config at the commit, compiled. */
export const createPipelinesHandler = (getDeps: DepsProvider) =>
  middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(
    sqsConsumer(getDeps, async (deps, body: { type?: string; pipelineId: string }) => {
      if (!isGitHubEventMessage(body)) return processPipeline(deps, body.pipelineId);
      logger.info('github event', { type: body.type, delivery: body.deliveryId, outcome: describeOutcome(await handleGitHubEvent(deps, body)) });
    }),
  );

export const handler = createPipelinesHandler(getDeps);
