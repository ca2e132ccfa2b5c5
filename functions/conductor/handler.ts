import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
import { advanceWorkflow } from '../../shared/services/workflows/advance-workflow';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { logger } from '../observability';
import { sqsConsumer } from '../sqs-consumer';

/** `events` FIFO consumer (group = workflow): advance the DAG, dispatch ready jobs, finish workflows. */
export const createConductorHandler = (deps: DepsProvider) =>
  middy<SQSEvent>()
    .use(injectLambdaContext(logger))
    .handler(sqsConsumer('events', (d, message) => advanceWorkflow(d, message), { deps }));

export const handler = createConductorHandler(getDeps);
