import type { IncomingMessage, ServerResponse } from 'node:http';
import { type createAwsClients, processRequestCounter } from '../shared/adapters/aws/clients';
import { runAsFunction } from '../shared/adapters/aws/iam-enforcement';
import type { createApiHandler } from '../functions/api/handler';
import { createConductorHandler } from '../functions/conductor/handler';
import type { createCronHandler } from '../functions/cron/handler';
import { createDispatcherHandler } from '../functions/dispatcher/handler';
import { createNotificationsHandler } from '../functions/notifications/handler';
import { createPipelinesHandler } from '../functions/pipelines/handler';
import type { createWebhooksHandler } from '../functions/webhooks/handler';
import type { DepsProvider } from '../functions/assemble-deps';
import { BodyTooLargeError, toApiGatewayEvent, writeResult } from './http-bridge';
import { LOCAL_VISIBILITY_TIMEOUT_SECONDS, type ensureQueuesWithDeadLetters } from './provision';
import { pollerFaultsFromEnv, SqsPoller } from './sqs-poller';
import { serveStatic } from './static';

/*
 * What drives the local runtime's Lambda handlers, as AWS would: the HTTP server (API Gateway), SQS pollers
 * (event source mappings) and the cron runner (EventBridge schedule). Each handler runs as its function (its role).
 */

type RequestCounter = ReturnType<typeof processRequestCounter>;

/** One handler invocation as function `fn`, its wall time recorded when requests are counted (the bench). */
function timed<T>(counter: RequestCounter, fn: string, run: () => Promise<T>): Promise<T> {
  return counter ? counter.timeInvocation(fn, run) : run();
}

/** The HTTP server's requests (API Gateway): API and runner routes and webhooks to their handlers, anything else to the web UI. */
export function httpRequestHandler(api: ReturnType<typeof createApiHandler>, webhooks: ReturnType<typeof createWebhooksHandler>, counter: RequestCounter) {
  const ctx = {} as never;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const path = (req.url ?? '/').split('?')[0];
      const isApi = path.startsWith('/api/') || path.startsWith('/runner/') || path.startsWith('/.well-known/') || path === '/healthz';
      if (!isApi && !path.startsWith('/webhooks/')) return serveStatic(req, res);
      const event = await toApiGatewayEvent(req);
      counter?.recordHttpRequest(req.method, path);
      const fn = isApi ? 'api' : 'webhooks';
      writeResult(res, (await timed(counter, fn, () => runAsFunction(fn, () => (isApi ? api : webhooks)(event, ctx)))) as never);
    } catch (e) {
      const tooLarge = e instanceof BodyTooLargeError;
      if (!res.headersSent) res.writeHead(tooLarge ? 413 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: tooLarge ? (e as Error).message : 'Internal error.' }));
    }
  };
}

/** One run of the cron handler with a scheduled event (EventBridge schedule), as the cron function. */
export function cronRunner(cron: ReturnType<typeof createCronHandler>, counter: RequestCounter): () => Promise<unknown> {
  const ctx = {} as never;
  return () =>
    timed(counter, 'cron', () =>
      runAsFunction('cron', () =>
        cron(
          {
            version: '0',
            id: 'local',
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: 'local',
            time: new Date().toISOString(),
            region: 'us-east-1',
            resources: [],
            detail: {},
          } as never,
          ctx,
        ),
      ),
    );
}

type QueueUrls = Awaited<ReturnType<typeof ensureQueuesWithDeadLetters>>['urls'];

/** The queues' event source mappings: each queue polled into its consumer, run with that function's role. */
export async function startPollers(
  clients: ReturnType<typeof createAwsClients>,
  queueUrls: QueueUrls,
  getDeps: DepsProvider,
  log: (l: string) => void,
): Promise<SqsPoller[]> {
  const counter = processRequestCounter();
  const ctx = {} as never;
  // Queue, consumer (its function name: AWS calls are made with that function's role), concurrency.
  const consumers: Array<[keyof QueueUrls, string, (e: never, c: never) => Promise<unknown>, number]> = [
    ['triggers', 'pipelines', createPipelinesHandler(getDeps), 2],
    ['dispatch', 'dispatcher', createDispatcherHandler(getDeps), 2],
    ['events', 'conductor', createConductorHandler(getDeps), 2],
    ['notify', 'notifications', createNotificationsHandler(getDeps), 1],
  ];
  const pollers: SqsPoller[] = [];
  const faults = pollerFaultsFromEnv(process.env.SLIPWAY_QUEUE_FAULTS);
  for (const [queue, fnName, handler, concurrency] of consumers) {
    const poller = new SqsPoller({
      client: clients.sqs,
      queueUrl: queueUrls[queue],
      handler: (event) => timed(counter, fnName, () => runAsFunction(fnName, () => handler(event as never, ctx))) as never,
      concurrency,
      faults,
      visibilityTimeoutSeconds: LOCAL_VISIBILITY_TIMEOUT_SECONDS,
      onError: (e) => log(`[${queue}] ${(e as Error).message}`),
    });
    await poller.start();
    pollers.push(poller);
  }
  return pollers;
}
