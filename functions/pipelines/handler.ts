import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
import { describeOutcome, handleGitHubEvent } from '../../shared/services/github/github-events';
import { processPipeline } from '../../shared/services/pipelines/pipelines';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `triggers` consumer: GitHub deliveries start pipelines; pipelines get their config at the commit, compiled. */
export const createPipelinesHandler = (deps: DepsProvider) =>
  middy<SQSEvent>()
    .use(injectLambdaContext(logger))
    .handler(
      sqsConsumer(
        'triggers',
        async (d, message) => {
          if (message.type === 'PipelineTriggered') return processPipeline(d, message.pipelineId);
          logger.info('github event', { type: message.type, delivery: message.deliveryId, outcome: describeOutcome(await handleGitHubEvent(d, message)) });
        },
        { deps },
      ),
    );

export const handler = createPipelinesHandler(getDeps);
