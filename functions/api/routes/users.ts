import { z } from 'zod';
import { ForbiddenError } from '../../../shared/model/errors';
import { tokenFromRequest } from '../../../shared/services/identity/auth';
import {
  apiUser,
  collaborations,
  createUser,
  getVisibleUser,
  grantRole,
  issueToken,
  listTokens,
  revokeOwnToken,
  revokeToken,
} from '../../../shared/services/identity/users';
import { parseBody } from '../access';
import { json, type Route } from '../http';

const UserBody = z.object({ login: z.string().min(1), name: z.string().min(1).optional(), admin: z.boolean().optional() }).strict();
const TokenBody = z.object({ label: z.string().min(1).max(100).default('api') }).strict();
const RoleBody = z.object({ organization: z.string().min(1), role: z.enum(['admin', 'member', 'viewer']).nullable() }).strict();

/**
 * CircleCI's user endpoints, plus Slipway's administration of users, tokens and roles under
 * `/api/v2/slipway/` (CircleCI has no public equivalent: its users come from the VCS).
 */
export const userRoutes: Route[] = [
  { method: 'GET', path: '/api/v2/me', handle: async (ctx) => json(200, apiUser(await ctx.user())) },
  {
    method: 'DELETE',
    path: '/api/v2/me/token',
    async handle(ctx) {
      await ctx.user();
      await revokeOwnToken(ctx.deps, tokenFromRequest(ctx.req.headers, ctx.req.query)!);
      return json(200, { message: 'Token revoked: you are signed out.' });
    },
  },
  { method: 'GET', path: '/api/v2/me/collaborations', handle: async (ctx) => json(200, await collaborations(ctx.deps, await ctx.user())) },
  {
    method: 'GET',
    path: '/api/v2/user/:id',
    async handle(ctx) {
      return json(200, apiUser(await getVisibleUser(ctx.deps, await ctx.user(), ctx.req.params.id)));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/slipway/users',
    async handle(ctx) {
      const actor = await ctx.user();
      if (!actor.admin) throw new ForbiddenError('Only an instance admin can list users.');
      const users = await ctx.deps.identity.listUsers();
      return json(200, { items: users.map((u) => ({ ...apiUser(u), admin: u.admin, roles: u.roles })), next_page_token: null });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/slipway/users',
    async handle(ctx) {
      const actor = await ctx.user();
      const user = await createUser(ctx.deps, actor, parseBody(UserBody, ctx.req.body));
      return json(201, { ...apiUser(user), admin: user.admin, roles: user.roles });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/slipway/users/:id/tokens',
    async handle(ctx) {
      const actor = await ctx.user();
      return json(201, await issueToken(ctx.deps, actor, ctx.req.params.id, parseBody(TokenBody, ctx.req.body).label));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/slipway/users/:id/tokens',
    handle: async (ctx) => json(200, await listTokens(ctx.deps, await ctx.user(), ctx.req.params.id)),
  },
  {
    method: 'DELETE',
    path: '/api/v2/slipway/users/:id/tokens/:tokenId',
    async handle(ctx) {
      await revokeToken(ctx.deps, await ctx.user(), ctx.req.params.id, ctx.req.params.tokenId);
      return json(200, { message: 'Token revoked.' });
    },
  },
  {
    method: 'PUT',
    path: '/api/v2/slipway/users/:id/roles',
    async handle(ctx) {
      const actor = await ctx.user();
      const body = parseBody(RoleBody, ctx.req.body);
      const user = await grantRole(ctx.deps, actor, ctx.req.params.id, body.organization, body.role ?? undefined);
      return json(200, { ...apiUser(user), admin: user.admin, roles: user.roles });
    },
  },
];
