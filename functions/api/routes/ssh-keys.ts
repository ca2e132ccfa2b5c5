import { z } from 'zod';
import {
  addSshKey,
  createCheckoutKey,
  deleteCheckoutKey,
  deleteSshKey,
  getCheckoutKey,
  listCheckoutKeys,
  listSshKeys,
} from '../../../shared/services/ssh/ssh-keys';
import { parseBody, projectFor } from '../access';
import { json, type Route, type RouteContext } from '../http';

const v1Slug = (ctx: RouteContext) => `${ctx.req.params.vcs}/${ctx.req.params.org}/${ctx.req.params.repo}`;

const CheckoutKeyBody = z.object({ type: z.string().min(1) });
const SshKeyBody = z.object({ hostname: z.string().max(255).optional(), private_key: z.string().min(1).max(16_384) });
const DeleteSshKeyBody = z.object({ fingerprint: z.string().min(1), hostname: z.string().optional() });

/**
 * Checkout keys (CircleCI API v2) and additional SSH keys (v1.1). Private keys are write-only: responses carry
 * public keys and fingerprints. Changes need the admin role (keys grant access to repositories and hosts);
 * the role is checked before the body is read. `:id` of a checkout key is its MD5 or SHA256 fingerprint.
 */
export const sshKeyRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/project/:slug/checkout-key',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      return json(200, await listCheckoutKeys(ctx.deps, project.slug, ctx.req.query.digest));
    },
  },
  {
    method: 'POST',
    path: '/api/v2/project/:slug/checkout-key',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'admin');
      return json(201, await createCheckoutKey(ctx.deps, project, parseBody(CheckoutKeyBody, ctx.req.body).type));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/checkout-key/:id',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      return json(200, await getCheckoutKey(ctx.deps, project.slug, ctx.req.params.id, ctx.req.query.digest));
    },
  },
  {
    method: 'DELETE',
    path: '/api/v2/project/:slug/checkout-key/:id',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'admin');
      return json(200, await deleteCheckoutKey(ctx.deps, project.slug, ctx.req.params.id));
    },
  },
  {
    method: 'GET',
    path: '/api/v1.1/project/:vcs/:org/:repo/ssh-key',
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'viewer');
      return json(200, await listSshKeys(ctx.deps, project.slug));
    },
  },
  {
    method: 'POST',
    path: '/api/v1.1/project/:vcs/:org/:repo/ssh-key',
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'admin');
      return json(201, await addSshKey(ctx.deps, project, parseBody(SshKeyBody, ctx.req.body)));
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1.1/project/:vcs/:org/:repo/ssh-key',
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'admin');
      return json(200, await deleteSshKey(ctx.deps, project.slug, parseBody(DeleteSshKeyBody, ctx.req.body)));
    },
  },
];
