import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ALBEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { toHttpApiEvent } from '../http-event';
import { logError, logger } from '../observability';
import { audited } from './audit';
import { createRouter } from './router';
import { apiRoutes } from './routes';

const route = createRouter(apiRoutes.map(audited), logError);

/** HTTP API: CircleCI API v2 (+ v1.1 job detail) and the runner protocol (API Gateway or internal ALB). */
export const createApiHandler = (deps: DepsProvider) =>
  middy<APIGatewayProxyEventV2 | ALBEvent>()
    .use(injectLambdaContext(logger))
    .handler(async (event: APIGatewayProxyEventV2 | ALBEvent) => route(toHttpApiEvent(event), await deps()));

export const handler = createApiHandler(getDeps);
