import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { advanceWorkflow } from '../../shared/services/workflows/advance-workflow';
import type { WorkflowMessage } from '../../shared/services/workflows/workflow-events';
import type { SQSEvent } from 'aws-lambda';
import { logger } from '../observability';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { sqsConsumer } from '../sqs-consumer';

/** `events` FIFO consumer (group = workflow): advance the DAG, dispatch ready jobs, finish workflows. */
export const createConductorHandler = (getDeps: DepsProvider) =>
  middy<SQSEvent>()
  .use(injectLambdaContext(logger))
  .handler(sqsConsumer(getDeps, (deps, body: WorkflowMessage) => advanceWorkflow(deps, body), { fifo: true }));

export const handler = createConductorHandler(getDeps);
