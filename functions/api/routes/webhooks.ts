import type { Role } from '../../../shared/model/entities';
import { ValidationError } from '../../../shared/model/errors';
import {
  apiDeliveryAttempt,
  apiWebhook,
  createWebhook,
  CreateWebhookBody,
  deleteWebhook,
  getWebhookOrThrow,
  listDeliveries,
  listWebhooks,
  projectForScope,
  updateWebhook,
  UpdateWebhookBody,
} from '../../../shared/services/notifications/outbound-webhooks';
import { sendTestEvent } from '../../../shared/services/notifications/webhook-delivery';
import { parseBody, projectFor } from '../access';
import { json, type Route, type RouteContext } from '../http';

/** The webhook named in the path, once the caller holds `role` in its project's organisation. */
async function webhookFor(ctx: RouteContext, role: Role) {
  await ctx.user();
  const hook = await getWebhookOrThrow(ctx.deps, ctx.req.params.id);
  const project = await projectFor(ctx, hook.projectSlug, role);
  return { hook, project };
}

/** Outbound webhooks (CircleCI API v2 `/webhook`), plus Slipway's delivery log and test event. Changes need an org admin, as on CircleCI. */
export const webhookRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/webhook',
    async handle(ctx) {
      await ctx.user();
      const input = parseBody(CreateWebhookBody, ctx.req.body);
      const project = await projectFor(ctx, (await projectForScope(ctx.deps, input.scope.id)).slug, 'admin');
      return json(201, apiWebhook(await createWebhook(ctx.deps, project, input)));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/webhook',
    async handle(ctx) {
      await ctx.user();
      const scopeId = ctx.req.query['scope-id'];
      if (!scopeId || ctx.req.query['scope-type'] !== 'project') {
        throw new ValidationError('Give the query parameters scope-id (a project id) and scope-type=project.');
      }
      const project = await projectFor(ctx, (await projectForScope(ctx.deps, scopeId)).slug, 'viewer');
      return json(200, { items: (await listWebhooks(ctx.deps, project)).map(apiWebhook), next_page_token: null });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/webhook/:id',
    async handle(ctx) {
      return json(200, apiWebhook((await webhookFor(ctx, 'viewer')).hook));
    },
  },
  {
    method: 'PUT',
    path: '/api/v2/webhook/:id',
    async handle(ctx) {
      const { hook } = await webhookFor(ctx, 'admin');
      const input = parseBody(UpdateWebhookBody, ctx.req.body);
      return json(200, apiWebhook(await updateWebhook(ctx.deps, hook, input)));
    },
  },
  {
    method: 'DELETE',
    path: '/api/v2/webhook/:id',
    async handle(ctx) {
      const { hook } = await webhookFor(ctx, 'admin');
      await deleteWebhook(ctx.deps, hook);
      return json(200, { message: 'Webhook deleted.' });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/webhook/:id/deliveries',
    async handle(ctx) {
      const { hook } = await webhookFor(ctx, 'viewer');
      return json(200, { items: (await listDeliveries(ctx.deps, hook)).map(apiDeliveryAttempt) });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/webhook/:id/test',
    async handle(ctx) {
      const { hook } = await webhookFor(ctx, 'admin');
      const attempt = await sendTestEvent(ctx.deps, hook);
      return json(200, attempt ? apiDeliveryAttempt(attempt) : { message: 'The test event was not sent.' });
    },
  },
];
