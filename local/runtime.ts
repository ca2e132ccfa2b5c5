import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createAwsClients, processRequestCounter } from '../shared/adapters/aws/clients';
import { newApiToken } from '../shared/services/identity/tokens';
import { findContainerEngine } from '../shared/container/container-engine';
import { agentCommand } from './agent-bundle';
import { buildLocalAgentImage } from './agent-image';
import { emulatorEnvironment, startEmulators, type Emulators } from './emulators';
import { LOCAL_VISIBILITY_TIMEOUT_SECONDS, deadLetterEnvironment, ensureBucket, ensureQueuesWithDeadLetters, ensureTable } from './provision';
import { createApiHandler } from '../functions/api/handler';
import { createCronHandler } from '../functions/cron/handler';
import { readEnv } from '../functions/env';
import { logger } from '../functions/observability';
import { createWebhooksHandler } from '../functions/webhooks/handler';
import { localComposition } from './composition';
import type { SqsPoller } from './sqs-poller';
import { cronRunner, httpRequestHandler, startPollers } from './triggers';
import type { DepsProvider } from '../functions/assemble-deps';

export interface LocalRuntimeOptions {
  port: number;
  host?: string;
  dataDir: string;
  /** Admin API token; generated and stored in the data folder when not given. */
  adminToken?: string;
  /** Seconds between cron runs (reconciler, reaper, schedules). */
  cronIntervalSeconds?: number;
  leaseSeconds?: number;
  log?: (line: string) => void;
  /** argv that starts an agent for a task (default: the bundled host agent). The bench drives its own. */
  agentCommand?: string[];
  /** How long stopping waits for queue handlers in flight (default SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number;
}

/** How long `stop()` waits for handlers in flight before it leaves them behind. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface LocalRuntime {
  url: string;
  port: number;
  adminToken: string;
  dataDir: string;
  /** Runs the cron handler once now (tests use this instead of waiting for the timer). */
  runCron(): Promise<unknown>;
  /** The emulators' endpoints and credentials (for clients of the same data, e.g. the bench's own reads). */
  emulatorEnv: Record<string, string>;
  /** The runtime's dependencies (the CLI's local run drives use cases with them directly). */
  getDeps: DepsProvider;
  stop(): Promise<void>;
}

/** The token: explicit, else remembered in the data folder, else newly generated and remembered. */
function resolveToken(dataDir: string, explicit?: string): string {
  const file = join(dataDir, 'admin-token');
  if (explicit) return explicit;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = newApiToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * One runtime per data folder: the embedded database cannot be shared. A lock file with the owner's pid is
 * taken at start; a stale one (its process gone) is replaced.
 */
function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'slipway.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8'));
    let alive = false;
    try {
      alive = pid > 0 && pid !== process.pid && process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) {
      throw new Error(`Another Slipway (pid ${pid}) is using the data folder ${dataDir}. Stop it first, or start with --data <another folder>.`);
    }
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

/**
 * Where docker jobs run (`SLIPWAY_DOCKER_JOBS`): `task` (default) as Fargate tasks on a reachable container
 * engine, with the agent image built from this checkout; `executor`, or `task` when the image cannot be built,
 * by host agents with the docker executor on the engine; `host`, or without an engine, on the host. Resolves
 * the environment the composition root reads (DOCKER_HOST, SLIPWAY_AGENT_IMAGE).
 */
function dockerJobs(dataDir: string, log: (line: string) => void): Record<string, string> {
  const mode = process.env.SLIPWAY_DOCKER_JOBS ?? 'task';
  if (!['task', 'executor', 'host'].includes(mode)) throw new Error(`SLIPWAY_DOCKER_JOBS must be task, executor or host (got "${mode}").`);
  const engine = mode === 'host' ? undefined : findContainerEngine(process.env);
  if (!engine) {
    log(`Docker jobs run on the host${mode === 'host' ? '' : ' (no container engine: set DOCKER_HOST, or start Docker or `podman system service`)'}.`);
    return {};
  }
  if (mode === 'task') {
    try {
      const image = buildLocalAgentImage({ ...process.env, DOCKER_HOST: engine.dockerHost }, join(dataDir, 'agent-image'));
      log(`Docker jobs run as Fargate-style tasks (agent image ${image}) on the container engine at ${engine.dockerHost}.`);
      return { DOCKER_HOST: engine.dockerHost, SLIPWAY_AGENT_IMAGE: image };
    } catch (e) {
      log(`The agent image could not be built (${(e as Error).message}); docker jobs use the docker executor.`);
    }
  }
  log(`Docker jobs run with the docker executor on the container engine at ${engine.dockerHost}.`);
  return { DOCKER_HOST: engine.dockerHost };
}

/** The environment this runtime's functions read, with the emulators' table, bucket and queues provisioned. */
async function functionEnvironment(
  emulators: Emulators,
  o: { url: string; dataDir: string; adminToken: string; log: (l: string) => void; options: LocalRuntimeOptions },
) {
  const { url, dataDir, adminToken, log, options } = o;
  // Given to the composition root, never written to process.env.
  const env: NodeJS.ProcessEnv = { ...process.env, ...emulatorEnvironment(emulators) };
  logger.setLogLevel((process.env.LOG_LEVEL ?? 'WARN') as never);
  const clients = createAwsClients(env);
  await ensureTable(clients.dynamo as unknown as DynamoDBClient, 'slipway');
  await ensureBucket(clients.s3, 'slipway');
  const { urls: queueUrls, deadLetterUrls } = await ensureQueuesWithDeadLetters(clients.sqs, 'slipway', LOCAL_VISIBILITY_TIMEOUT_SECONDS);
  Object.assign(env, {
    TABLE_NAME: 'slipway',
    BUCKET_NAME: 'slipway',
    TRIGGERS_QUEUE_URL: queueUrls.triggers,
    DISPATCH_QUEUE_URL: queueUrls.dispatch,
    EVENTS_QUEUE_URL: queueUrls.events,
    NOTIFY_QUEUE_URL: queueUrls.notify,
    ...deadLetterEnvironment(deadLetterUrls),
    PUBLIC_URL: url,
    COMPUTE_MODE: 'local',
    DATA_DIR: dataDir,
    SLIPWAY_ADMIN_TOKEN: adminToken,
    SLIPWAY_AGENT_COMMAND: JSON.stringify(options.agentCommand ?? (await agentCommand(dataDir))),
    JOB_LEASE_SECONDS: String(options.leaseSeconds ?? 60),
    ...dockerJobs(dataDir, log),
  });

  return { env, clients, queueUrls };
}

/**
 * The all-in-one runtime (DESIGN.md §4): AWS API emulators in-process, and the very same Lambda handlers
 * driven by an HTTP server (API Gateway v2 events), SQS pollers (event source mappings) and a timer
 * (EventBridge schedule). Jobs run on this host.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = lockDataDir(dataDir);
  const adminToken = resolveToken(dataDir, options.adminToken);
  const emulators: Emulators = await startEmulators({ dataDir });
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(options.port, options.host ?? '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;

  const { env, clients, queueUrls } = await functionEnvironment(emulators, { url, dataDir, adminToken, log, options });

  // The very same handlers as in AWS, built by their factories over this runtime's composition root.
  const composition = localComposition(env);
  const { getDeps } = composition;
  const api = createApiHandler(getDeps);
  const webhooks = createWebhooksHandler(getDeps);
  const cron = createCronHandler(getDeps, () => readEnv(env));
  await getDeps();
  // Bench hook (SLIPWAY_COUNT_REQUESTS=1): API Gateway requests and Lambda invocations, for the cost model.
  const counter = processRequestCounter();

  server.on('request', httpRequestHandler(api, webhooks, counter));

  const pollers = await startPollers(clients, queueUrls, getDeps, log);

  const runCron = cronRunner(cron, counter);
  // Start-up reconcile: finishes whatever was in flight when the runtime last stopped.
  await runCron().catch((e: Error) => log(`[cron] ${e.message}`));
  const timer = setInterval(() => void runCron().catch((e: Error) => log(`[cron] ${e.message}`)), (options.cronIntervalSeconds ?? 60) * 1000);
  timer.unref();

  let stopped = false;
  return {
    url,
    port,
    adminToken,
    dataDir,
    runCron,
    getDeps,
    emulatorEnv: emulatorEnvironment(emulators),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await stopRuntime({ pollers, server, composition, emulators, releaseLock, log, graceMs: options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS });
    },
  };
}

interface RuntimeParts {
  pollers: SqsPoller[];
  server: Server;
  composition: ReturnType<typeof localComposition>;
  emulators: Emulators;
  releaseLock: () => void;
  log: (l: string) => void;
  graceMs: number;
}

/**
 * Stops the runtime: queue handlers get a grace period; one that is stuck is left behind (what it held is redone
 * by the reconciler at the next start), so stopping always ends.
 */
async function stopRuntime({ pollers, server, composition, emulators, releaseLock, log, graceMs }: RuntimeParts): Promise<void> {
  const ended = await Promise.all(pollers.map((p) => p.stop(graceMs)));
  const stuck = ended.filter((e) => !e).length;
  if (stuck) log(`Stopping: ${stuck} queue consumer(s) still busy after ${graceMs / 1000} s; leaving their work to the reconciler.`);
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
  await composition.shutdown();
  await emulators.stop();
  releaseLock();
}
