import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { processPipeline } from '../../shared/services/pipelines';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `triggers` queue consumer: fetch config at the commit, compile, create workflows and jobs. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(sqsConsumer((deps, body: { pipelineId: string }) => processPipeline(deps, body.pipelineId)));
