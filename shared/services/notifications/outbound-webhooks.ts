import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Project } from '../../model/entities';
import { NotFoundError, SlipwayError, ValidationError } from '../../model/errors';
import type { DeliveryAttempt, Webhook } from '../../ports/webhook-store';
import type { ControlPlaneDeps } from '../deps';

/** Outbound webhooks as configuration (CircleCI API v2 `/webhook`): create, read, update, delete, shapes. */

type Deps = Pick<ControlPlaneDeps, 'webhooks' | 'webhookTransport' | 'cipher' | 'clock' | 'projects'>;

/** CircleCI's limit of outbound webhooks per project. */
export const MAX_WEBHOOKS_PER_PROJECT = 5;

const Events = z
  .array(z.enum(['workflow-completed', 'job-completed']))
  .min(1, 'give at least one event')
  .max(2);
const Fields = {
  name: z.string().trim().min(1, 'give the webhook a name').max(100),
  events: Events,
  url: z.string().min(1).max(2000),
  'verify-tls': z.boolean(),
  'signing-secret': z.string().max(200),
};
export const CreateWebhookBody = z.object({ ...Fields, scope: z.object({ id: z.string().min(1), type: z.literal('project') }) }).strict();
export const UpdateWebhookBody = z.object(Fields).partial().strict();

function store(deps: Deps) {
  if (!deps.webhooks || !deps.webhookTransport) throw new SlipwayError('Outbound webhooks are not enabled on this Slipway installation.', 501);
  return { webhooks: deps.webhooks, transport: deps.webhookTransport };
}

/** `****` and the secret's last four characters (long secrets only); empty when there is no secret. */
const masked = (w: Webhook) => (w.encryptedSecret ? `****${w.secretHint}` : '');
const hintOf = (secret: string) => (secret.length >= 16 ? secret.slice(-4) : '');

/** The API's shape (the secret is shown masked, as CircleCI does). */
export function apiWebhook(w: Webhook) {
  return {
    id: w.id,
    scope: { id: w.projectId, type: 'project' },
    name: w.name,
    events: w.events,
    url: w.url,
    'verify-tls': w.verifyTls,
    'signing-secret': masked(w),
    'created-at': w.createdAt,
    'updated-at': w.updatedAt,
  };
}

export function apiDeliveryAttempt(a: DeliveryAttempt) {
  return {
    event_id: a.eventId,
    event_type: a.eventType,
    attempt: a.attempt,
    at: a.at,
    status: a.status ?? null,
    latency_ms: a.latencyMs,
    error: a.error ?? null,
    will_retry: a.willRetry,
  };
}

/** The project a webhook scope names (`scope.id` is the project's id). */
export async function projectForScope(deps: Deps, scopeId: string): Promise<Project> {
  const project = (await deps.projects.listProjects()).find((p) => p.id === scopeId);
  if (!project) throw new NotFoundError(`No project has the id ${scopeId} (scope.id / scope-id). Use the \`id\` of GET /api/v2/project/{project-slug}.`);
  return project;
}

export async function getWebhookOrThrow(deps: Deps, id: string): Promise<Webhook> {
  const hook = await store(deps).webhooks.get(id);
  if (!hook) throw new NotFoundError(`Webhook ${id} not found.`);
  return hook;
}

export async function listWebhooks(deps: Deps, project: Project): Promise<Webhook[]> {
  return store(deps).webhooks.listByProject(project.id);
}

export async function createWebhook(deps: Deps, project: Project, input: z.infer<typeof CreateWebhookBody>): Promise<Webhook> {
  const { webhooks, transport } = store(deps);
  if ((await webhooks.listByProject(project.id)).length >= MAX_WEBHOOKS_PER_PROJECT) {
    throw new ValidationError(`Project ${project.slug} already has ${MAX_WEBHOOKS_PER_PROJECT} webhooks, the most a project may have. Delete one first.`);
  }
  await transport.checkTarget(input.url);
  const now = deps.clock.now().toISOString();
  const hook: Webhook = {
    id: randomUUID(),
    projectId: project.id,
    projectSlug: project.slug,
    name: input.name,
    url: input.url,
    verifyTls: input['verify-tls'],
    events: [...new Set(input.events)],
    encryptedSecret: input['signing-secret'] ? await deps.cipher.encrypt(input['signing-secret']) : '',
    secretHint: hintOf(input['signing-secret']),
    createdAt: now,
    updatedAt: now,
  };
  await webhooks.put(hook);
  return hook;
}

export async function updateWebhook(deps: Deps, hook: Webhook, input: z.infer<typeof UpdateWebhookBody>): Promise<Webhook> {
  const { webhooks, transport } = store(deps);
  if (input.url !== undefined) await transport.checkTarget(input.url);
  const secret = input['signing-secret'];
  const updated: Webhook = {
    ...hook,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input['verify-tls'] !== undefined ? { verifyTls: input['verify-tls'] } : {}),
    ...(input.events !== undefined ? { events: [...new Set(input.events)] } : {}),
    ...(secret !== undefined ? { encryptedSecret: secret ? await deps.cipher.encrypt(secret) : '', secretHint: hintOf(secret) } : {}),
    updatedAt: deps.clock.now().toISOString(),
  };
  await webhooks.put(updated);
  return updated;
}

export async function deleteWebhook(deps: Deps, hook: Webhook): Promise<void> {
  await store(deps).webhooks.delete(hook.id);
}

export async function listDeliveries(deps: Deps, hook: Webhook): Promise<DeliveryAttempt[]> {
  return store(deps).webhooks.listAttempts(hook.id, 50);
}
