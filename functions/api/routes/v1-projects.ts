import { z } from 'zod';
import { clearProjectCaches, listV1Projects } from '../api-v1';
import { deleteEnvVar, getEnvVar, listEnvVars, putEnvVar } from '../../../shared/services/projects/env-vars';
import { createCheckoutKey, deleteCheckoutKey, getCheckoutKey, listCheckoutKeys } from '../../../shared/services/ssh/ssh-keys';
import { parseBody, projectFor, v1Slug } from '../access';
import { json, type Route, type RouteContext } from '../http';

const PROJECT = '/api/v1.1/project/:vcs/:org/:repo';
const EnvVarBody = z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid shell variable name'), value: z.string() }).strict();
const CheckoutKeyBody = z.object({ type: z.enum(['deploy-key', 'github-user-key']) }).strict();

/** A v2 checkout key in v1.1's shape. */
const v1Key = (k: { 'public-key': string; type: string; fingerprint: string; preferred: boolean; 'created-at': string }) => ({
  public_key: k['public-key'],
  type: k.type,
  fingerprint: k.fingerprint,
  preferred: k.preferred,
  time: k['created-at'],
});

async function follow(ctx: RouteContext, following: boolean) {
  const project = await projectFor(ctx, v1Slug(ctx), 'viewer');
  await ctx.deps.identity.setFollowing((await ctx.user()).id, project.slug, following);
  return json(200, following ? { following: true, first_build: null } : { following: false });
}

/** API v1.1 user and project endpoints: me, projects, env vars, checkout keys, follow, build cache. */
export const v1ProjectRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1.1/me',
    async handle(ctx) {
      const user = await ctx.user();
      const followed = await ctx.deps.identity.listFollowedProjects(user.id);
      return json(200, {
        login: user.login,
        name: user.name,
        admin: user.admin,
        avatar_url: null,
        selected_email: null,
        created_at: user.createdAt,
        projects: Object.fromEntries(followed.map((s) => [s, { emails: 'default' }])),
      });
    },
  },
  { method: 'GET', path: '/api/v1.1/projects', handle: async (ctx) => json(200, await listV1Projects(ctx.deps, await ctx.user())) },
  { method: 'POST', path: `${PROJECT}/follow`, handle: (ctx) => follow(ctx, true) },
  { method: 'POST', path: `${PROJECT}/unfollow`, handle: (ctx) => follow(ctx, false) },
  {
    method: 'DELETE',
    path: `${PROJECT}/build-cache`,
    handle: async (ctx) => json(200, await clearProjectCaches(ctx.deps, await projectFor(ctx, v1Slug(ctx), 'admin'))),
  },
  {
    method: 'GET',
    path: `${PROJECT}/envvar`,
    handle: async (ctx) =>
      json(
        200,
        (await listEnvVars(ctx.deps, (await projectFor(ctx, v1Slug(ctx), 'viewer')).slug)).map(({ name, value }) => ({ name, value })),
      ),
  },
  {
    method: 'POST',
    path: `${PROJECT}/envvar`,
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'member');
      const body = parseBody(EnvVarBody, ctx.req.body);
      const { name, value } = await putEnvVar(ctx.deps, project.slug, body.name, body.value);
      return json(201, { name, value });
    },
  },
  {
    method: 'GET',
    path: `${PROJECT}/envvar/:name`,
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'viewer');
      const { name, value } = await getEnvVar(ctx.deps, project.slug, ctx.req.params.name);
      return json(200, { name, value });
    },
  },
  {
    method: 'DELETE',
    path: `${PROJECT}/envvar/:name`,
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'member');
      await deleteEnvVar(ctx.deps, project.slug, ctx.req.params.name);
      return json(200, { message: 'ok' });
    },
  },
  {
    method: 'GET',
    path: `${PROJECT}/checkout-key`,
    handle: async (ctx) => json(200, (await listCheckoutKeys(ctx.deps, (await projectFor(ctx, v1Slug(ctx), 'viewer')).slug)).items.map(v1Key)),
  },
  {
    method: 'POST',
    path: `${PROJECT}/checkout-key`,
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'admin');
      const { type } = parseBody(CheckoutKeyBody, ctx.req.body);
      return json(201, v1Key(await createCheckoutKey(ctx.deps, project, type === 'github-user-key' ? 'user-key' : type)));
    },
  },
  {
    method: 'GET',
    path: `${PROJECT}/checkout-key/:fingerprint`,
    handle: async (ctx) => json(200, v1Key(await getCheckoutKey(ctx.deps, (await projectFor(ctx, v1Slug(ctx), 'viewer')).slug, ctx.req.params.fingerprint))),
  },
  {
    method: 'DELETE',
    path: `${PROJECT}/checkout-key/:fingerprint`,
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'admin');
      await deleteCheckoutKey(ctx.deps, project.slug, ctx.req.params.fingerprint);
      return json(200, { message: 'ok' });
    },
  },
];
