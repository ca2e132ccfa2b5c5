import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { getDeps } from '../composition';
import { logError, logger } from '../observability';
import { createRouter } from './router';
import { apiRoutes } from './routes';

const route = createRouter(apiRoutes, logError);

/** HTTP API: CircleCI API v2 (+ v1.1 job detail) and the runner protocol. */
export const handler = middy<APIGatewayProxyEventV2>()
  .use(injectLambdaContext(logger))
  .handler(async (event: APIGatewayProxyEventV2) => route(event, await getDeps()));
