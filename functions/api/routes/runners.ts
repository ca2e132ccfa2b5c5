import { z } from 'zod';
import { UnauthorizedError } from '../../../shared/model/errors';
import {
  authenticateRunner,
  claimRunnerTask,
  createResourceClass,
  createRunnerToken,
  deleteResourceClass,
  deleteRunnerToken,
  listResourceClasses,
  listRunners,
  listRunnerTokens,
  unclaimedTaskCount,
} from '../../../shared/services/runners/runners';
import { parseBody } from '../access';
import { json, type Route } from '../http';

// `organization` (`gh/acme`): which organisation owns the class, when the namespace names several of yours.
const ResourceBody = z
  .object({ resource_class: z.string().min(3).max(200), desc: z.string().max(500).default(''), organization: z.string().max(200).optional() })
  .strict();
const TokenBody = z.object({ resource_class: z.string().min(3).max(200), nickname: z.string().min(1).max(200) }).strict();
// `resource_class`: EC2 machine runners name their pool (`machine/<class>`); a runner token implies its class.
const ClaimBody = z.object({ name: z.string().min(1).max(200), version: z.string().max(50).default(''), resource_class: z.string().max(200).optional() });

const resourceClassQuery = (q: Record<string, string | undefined>) => q['resource-class'] ?? q.resource_class ?? '';

/**
 * Self-hosted runners, in the shapes of CircleCI's runner API: resource classes and tokens (`/api/v2/runner/...`,
 * API token, namespace admins), runners and queue (`/api/v3/runner...`), and the claim a runner makes with its
 * runner token (`/runner/v1/claim`: 200 with a task token, or 204 when nothing waits).
 */
export const runnerAdminRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/runner/resource',
    handle: async (ctx) => {
      const user = await ctx.user();
      const body = parseBody(ResourceBody, ctx.req.body);
      return json(
        200,
        await createResourceClass(ctx.deps, user, { resourceClass: body.resource_class, description: body.desc, organization: body.organization }),
      );
    },
  },
  {
    method: 'GET',
    path: '/api/v2/runner/resource',
    handle: async (ctx) => json(200, await listResourceClasses(ctx.deps, await ctx.user(), ctx.req.query.namespace ?? '')),
  },
  {
    method: 'DELETE',
    path: '/api/v2/runner/resource/:id',
    handle: async (ctx) => {
      await deleteResourceClass(ctx.deps, await ctx.user(), ctx.req.params.id);
      return json(200, { message: 'Resource class deleted.' });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/runner/token',
    handle: async (ctx) => {
      const user = await ctx.user();
      const body = parseBody(TokenBody, ctx.req.body);
      return json(200, await createRunnerToken(ctx.deps, user, { resourceClass: body.resource_class, nickname: body.nickname }));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/runner/token',
    handle: async (ctx) => json(200, await listRunnerTokens(ctx.deps, await ctx.user(), resourceClassQuery(ctx.req.query))),
  },
  {
    method: 'DELETE',
    path: '/api/v2/runner/token/:id',
    handle: async (ctx) => {
      await deleteRunnerToken(ctx.deps, await ctx.user(), ctx.req.params.id);
      return json(200, { message: 'Token deleted.' });
    },
  },
  { method: 'GET', path: '/api/v3/runner', handle: async (ctx) => json(200, await listRunners(ctx.deps, await ctx.user(), resourceClassQuery(ctx.req.query))) },
  {
    method: 'GET',
    path: '/api/v3/runner/tasks',
    handle: async (ctx) => json(200, await unclaimedTaskCount(ctx.deps, await ctx.user(), resourceClassQuery(ctx.req.query))),
  },
  {
    method: 'POST',
    path: '/runner/v1/claim',
    handle: async (ctx) => {
      const auth = Object.entries(ctx.req.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1] ?? '';
      const runnerToken = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!runnerToken)
        throw new UnauthorizedError('Missing runner token. Send Authorization: Bearer <runner token> (create one with POST /api/v2/runner/token).');
      // The token is checked before the body is judged: without a valid token, a caller learns nothing more.
      const raw = (ctx.req.body ?? {}) as { resource_class?: unknown };
      const identity = await authenticateRunner(ctx.deps, runnerToken, typeof raw.resource_class === 'string' ? raw.resource_class : undefined);
      const body = parseBody(ClaimBody, ctx.req.body);
      const claimed = await claimRunnerTask(ctx.deps, identity, { name: body.name, version: body.version, resourceClass: body.resource_class });
      return claimed ? json(200, { task_token: claimed.taskToken, resource_class: claimed.resourceClass, job_id: claimed.jobId }) : { status: 204 };
    },
  },
];
