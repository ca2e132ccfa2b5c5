import { createHmac, randomUUID } from 'node:crypto';
import { TERMINAL_JOB_STATUSES } from '../../model/statuses';
import type { DeliveryAttempt, Webhook, WebhookEvent, WebhookEventType } from '../../ports/webhook-store';
import type { ControlPlaneDeps } from '../deps';
import type { DeliverWebhookMessage } from '../../model/messages';
import { deterministicUuid, pingPayload, webhookPayload } from './webhook-payloads';

/**
 * Outbound webhook delivery (CircleCI's webhook-service): turns finished jobs and workflows into one signed
 * event per subscribed webhook and delivers it at least once, retrying 5xx answers and timeouts with backoff
 * and jitter for about a day. Duplicated notifications prepare the same event (its id is derived), and a
 * compare-and-set on the attempt number lets exactly one consumer send each attempt.
 */

export type DeliveryDeps = Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'queue' | 'clock' | 'cipher' | 'publicUrl' | 'webhooks' | 'webhookTransport'>;

/** The `notify` message that sends one attempt; `notBefore` carries waits longer than a queue delay allows. */
export type { DeliverWebhookMessage } from '../../model/messages';

/** Waits after failed attempt 1, 2, ... (seconds, before jitter); the last one repeats. */
export const RETRY_DELAYS_SECONDS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800];
/** No attempt starts later than this after the event (CircleCI retries for about a day). */
export const RETRY_WINDOW_SECONDS = 24 * 3600;
/** SQS's longest delivery delay. */
const MAX_QUEUE_DELAY_SECONDS = 900;

/** The wait after failed attempt `attempt`, with ±20% jitter so that receivers coming back are not stampeded. */
export function retryDelaySeconds(attempt: number, random: () => number = Math.random): number {
  const base = RETRY_DELAYS_SECONDS[Math.min(attempt, RETRY_DELAYS_SECONDS.length) - 1];
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** `v1=<hex HMAC-SHA256 of the body>`, CircleCI's `circleci-signature` header. */
export function signatureHeader(secret: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const retryable = (status: number | undefined) => status === undefined || status >= 500 || status === 429;

async function enqueue(deps: DeliveryDeps, msg: DeliverWebhookMessage, delaySeconds = 0): Promise<void> {
  await deps.queue.send('notify', msg, delaySeconds > 0 ? { delaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil(delaySeconds)) } : undefined);
}

/**
 * For a finished job or workflow: one event per webhook of the project that subscribes to its type, each
 * queued for its first attempt. Safe to run twice: an event prepared before is queued again only if no
 * attempt has started, and then only one of the copies is sent.
 */
export async function prepareWebhookEvents(deps: DeliveryDeps, subject: { type: WebhookEventType; workflowId: string; jobId?: string }): Promise<void> {
  if (!deps.webhooks) return;
  const workflow = await deps.pipelines.getWorkflow(subject.workflowId);
  if (!workflow) return;
  const project = await deps.projects.getProject(workflow.projectSlug);
  if (!project) return;
  const hooks = (await deps.webhooks.listByProject(project.id)).filter((w) => w.events.includes(subject.type));
  if (!hooks.length) return;
  const job = subject.jobId ? await deps.pipelines.getJob(workflow.id, subject.jobId) : undefined;
  if (subject.jobId && (!job || job.type === 'approval' || job.status === 'not_run' || !TERMINAL_JOB_STATUSES.includes(job.status))) return;
  const pipeline = await deps.pipelines.getPipeline(workflow.pipelineId);
  if (!pipeline) return;
  const now = deps.clock.now().toISOString();
  const happenedAt = (job ? job.stoppedAt : workflow.stoppedAt) ?? now;
  for (const hook of hooks) {
    const id = deterministicUuid(hook.id, subject.type, job?.id ?? workflow.id);
    const body = JSON.stringify(webhookPayload(subject.type, id, happenedAt, hook, { project, pipeline, workflow, job, publicUrl: deps.publicUrl }));
    const { event } = await deps.webhooks.createEvent({ id, webhookId: hook.id, type: subject.type, body, status: 'pending', attempts: 0, createdAt: now });
    if (event.status === 'pending' && event.attempts === 0) await enqueue(deps, { type: 'DeliverWebhook', eventId: id, attempt: 1 });
  }
}

/**
 * Sends attempt `msg.attempt` of an event, if no other consumer has; on a 5xx, 429 or no answer, queues the
 * next attempt after a backoff while the retry window lasts; a 2xx delivers it and a 4xx fails it. Every
 * attempt is written to the webhook's delivery log. Resolves the attempt made (`undefined`: none was due).
 */
export async function deliverWebhook(deps: DeliveryDeps, msg: DeliverWebhookMessage, random: () => number = Math.random): Promise<DeliveryAttempt | undefined> {
  const store = deps.webhooks;
  if (!store || !deps.webhookTransport) return undefined;
  const now = deps.clock.now();
  if (msg.notBefore && Date.parse(msg.notBefore) > now.getTime()) {
    await enqueue(deps, msg, (Date.parse(msg.notBefore) - now.getTime()) / 1000);
    return undefined;
  }
  // An attempt started over a minute ago (timeout 10 s) belongs to a consumer that died: it may run again.
  const event = await store.startAttempt(msg.eventId, msg.attempt, now.toISOString(), new Date(now.getTime() - 60_000).toISOString());
  if (!event) return undefined;
  const hook = await store.get(event.webhookId);
  if (!hook) {
    await store.finishEvent(event.id, 'failed');
    return undefined;
  }
  const res = await deps.webhookTransport.post(hook.url, event.body, await deliveryHeaders(deps, hook, event), { verifyTls: hook.verifyTls });
  const ok = res.status !== undefined && res.status >= 200 && res.status < 300;
  const delay = retryDelaySeconds(msg.attempt, random);
  const ageSeconds = (now.getTime() - Date.parse(event.createdAt)) / 1000;
  const willRetry = !ok && event.type !== 'ping' && retryable(res.status) && ageSeconds + delay <= RETRY_WINDOW_SECONDS;
  if (willRetry) {
    await enqueue(
      deps,
      { type: 'DeliverWebhook', eventId: event.id, attempt: msg.attempt + 1, notBefore: new Date(now.getTime() + delay * 1000).toISOString() },
      delay,
    );
  } else {
    await store.finishEvent(event.id, ok ? 'delivered' : 'failed');
  }
  const attempt: DeliveryAttempt = {
    webhookId: hook.id,
    eventId: event.id,
    eventType: event.type,
    attempt: msg.attempt,
    at: now.toISOString(),
    status: res.status,
    latencyMs: res.latencyMs,
    error: res.error ?? (ok ? undefined : `HTTP ${res.status}`),
    willRetry,
  };
  await store.recordAttempt(attempt);
  return attempt;
}

async function deliveryHeaders(deps: DeliveryDeps, hook: Webhook, event: WebhookEvent): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'CircleCI-Webhook/1.0',
    'circleci-event-type': event.type,
  };
  if (hook.encryptedSecret) headers['circleci-signature'] = signatureHeader(await deps.cipher.decrypt(hook.encryptedSecret), event.body);
  return headers;
}

/** "Send a test event": a `ping` delivered now, once; resolves the attempt as the delivery log shows it. */
export async function sendTestEvent(deps: DeliveryDeps, hook: Webhook): Promise<DeliveryAttempt | undefined> {
  const id = randomUUID();
  const now = deps.clock.now().toISOString();
  await deps.webhooks!.createEvent({
    id,
    webhookId: hook.id,
    type: 'ping',
    body: JSON.stringify(pingPayload(id, now, hook)),
    status: 'pending',
    attempts: 0,
    createdAt: now,
  });
  return deliverWebhook(deps, { type: 'DeliverWebhook', eventId: id, attempt: 1 });
}
