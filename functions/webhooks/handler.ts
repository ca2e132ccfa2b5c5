import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { receiveGitHubWebhook } from '../../shared/services/github/webhooks';
import type { DepsProvider } from '../assemble-deps';
import { getDeps } from '../composition';
import { logger } from '../observability';

const reply = (statusCode: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify({ message }),
});

/** VCS webhooks: `POST /webhooks/github` (signature check, dedupe by delivery id, queue the work). */
export const createWebhooksHandler = (getDeps: DepsProvider) =>
  middy<APIGatewayProxyEventV2>()
    .use(injectLambdaContext(logger))
    .handler(async (event: APIGatewayProxyEventV2) => {
      if (event.rawPath.replace(/\/$/, '') !== '/webhooks/github')
        return reply(404, `No webhook provider at ${event.rawPath}; GitHub posts to /webhooks/github.`);
      if (event.requestContext.http.method !== 'POST') return reply(405, 'Webhooks are delivered with POST.');
      const body = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
      const deps = await getDeps();
      const result = await receiveGitHubWebhook(deps, { headers: event.headers ?? {}, body });
      if (result.status === 401 || result.status === 400) deps.metrics?.record('WebhookRejected', 1);
      logger.info('github webhook', {
        status: result.status,
        event: event.headers?.['x-github-event'],
        delivery: event.headers?.['x-github-delivery'],
        message: result.message,
      });
      return reply(result.status, result.message);
    });

export const handler = createWebhooksHandler(getDeps);
