import { z } from 'zod';
import type { Role } from '../../../shared/model/entities';
import { SlipwayError } from '../../../shared/model/errors';
import { authorize } from '../../../shared/services/identity/auth';
import { claimsScope, deleteCustomClaims, getCustomClaims, patchCustomClaims } from '../../../shared/services/oidc/custom-claims';
import { discoveryDocument } from '../../../shared/services/oidc/job-tokens';
import { parseBody } from '../access';
import { json, type ApiResponse, type Route, type RouteContext } from '../http';

/** Discovery and keys are public and cacheable: verifiers (AWS STS, Vault, jose) fetch them often. */
const PUBLIC_CACHE = { 'cache-control': 'public, max-age=300' };

const PatchBody = z.object({ audience: z.array(z.string()).optional(), ttl: z.string().optional() }).strict();

async function scope(ctx: RouteContext, role: Role) {
  const user = await ctx.user();
  const { orgID, projectID } = ctx.req.params;
  const { orgSlug } = await claimsScope(ctx.deps, orgID, projectID);
  authorize(user, orgSlug, role);
  return { orgId: orgID, projectId: projectID as string | undefined };
}

/** These operations answer errors as `{ "error": ... }` in the API spec; `message` is kept for CircleCI's clients. */
const withErrorShape =
  (handle: Route['handle']): Route['handle'] =>
  async (ctx): Promise<ApiResponse> => {
    try {
      return await handle(ctx);
    } catch (e) {
      if (e instanceof SlipwayError) return json(e.status, { error: e.message, message: e.message });
      throw e;
    }
  };

/** The six custom-claims operations, for an organisation (`base`) and for one of its projects. */
function claimsRoutes(base: string): Route[] {
  return (
    [
      {
        method: 'GET',
        path: base,
        async handle(ctx) {
          const { orgId, projectId } = await scope(ctx, 'viewer');
          return json(200, await getCustomClaims(ctx.deps, orgId, projectId));
        },
      },
      {
        method: 'PATCH',
        path: base,
        async handle(ctx) {
          const { orgId, projectId } = await scope(ctx, 'admin');
          return json(200, await patchCustomClaims(ctx.deps, orgId, projectId, parseBody(PatchBody, ctx.req.body)));
        },
      },
      {
        method: 'DELETE',
        path: base,
        async handle(ctx) {
          const { orgId, projectId } = await scope(ctx, 'admin');
          return json(200, await deleteCustomClaims(ctx.deps, orgId, projectId, ctx.req.query.claims));
        },
      },
    ] as Route[]
  ).map((r) => ({ ...r, handle: withErrorShape(r.handle) }));
}

/** Slipway as an OpenID issuer (discovery and JWKS at the public URL) and CircleCI's OIDC custom claims API. */
export const oidcRoutes: Route[] = [
  {
    method: 'GET',
    path: '/.well-known/openid-configuration',
    handle: async (ctx) => ({ ...json(200, discoveryDocument(ctx.deps.publicUrl)), headers: PUBLIC_CACHE }),
  },
  {
    method: 'GET',
    path: '/.well-known/jwks-pub.json',
    handle: async (ctx) => ({ ...json(200, { keys: await ctx.deps.oidcKey.publicKeys() }), headers: PUBLIC_CACHE }),
  },
  ...claimsRoutes('/api/v2/org/:orgID/oidc-custom-claims'),
  ...claimsRoutes('/api/v2/org/:orgID/project/:projectID/oidc-custom-claims'),
];
