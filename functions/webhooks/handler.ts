import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { logger } from '../observability';

/** VCS webhooks (`POST /webhooks/<provider>`). No provider is configured in this build. */
export const handler = middy<APIGatewayProxyEventV2>()
  .use(injectLambdaContext(logger))
  .handler(async (event: APIGatewayProxyEventV2) => ({
    statusCode: 404,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `No webhook provider is configured for ${event.rawPath}.` }),
  }));
