import type { User } from '../../shared/model/entities';
import type { AuditEvent } from '../../shared/ports/audit-log';
import { SlipwayError, UnauthorizedError } from '../../shared/model/errors';
import { flushAudit, recordAudit, userActor } from '../../shared/services/audit/audit';
import { noteAuthFailure } from '../../shared/services/identity/auth-bursts';
import { tokenFromRequest } from '../../shared/services/identity/auth';
import type { ApiResponse, Route, RouteContext } from './http';
import { logError } from '../observability';

/** Named actions of the security-relevant routes; any other mutating call is `api.<method> <path>`. */
const ACTIONS: Record<string, [action: string, target: string]> = {
  'POST /api/v2/slipway/users': ['user.created', 'user'],
  'PUT /api/v2/slipway/users/:id/roles': ['role.changed', 'user'],
  'POST /api/v2/slipway/users/:id/tokens': ['token.created', 'user'],
  'DELETE /api/v2/slipway/users/:id/tokens/:tokenId': ['token.revoked', 'token'],
  'DELETE /api/v2/me/token': ['token.revoked', 'token'],
  'POST /api/v2/project/:slug': ['project.added', 'project'],
  'GET /api/v2/project/:slug/secrets': ['secrets.exported', 'project'],
  'GET /api/v2/project/:slug/job/:number/replay': ['secrets.exported', 'project'],
  'DELETE /api/v2/project/:slug': ['project.removed', 'project'],
  'PATCH /api/v2/project/:slug/settings': ['project.settings.changed', 'project'],
  'PUT /api/v1.1/project/:vcs/:org/:repo/settings': ['project.settings.changed', 'project'],
  'PUT /api/v2/project/:slug/notifications': ['project.settings.changed', 'project'],
  'POST /api/v2/project/:slug/envvar': ['envvar.created', 'project'],
  'DELETE /api/v2/project/:slug/envvar/:name': ['envvar.deleted', 'project'],
  'PUT /api/v2/context/:id/environment-variable/:name': ['context.secret.created', 'context'],
  'DELETE /api/v2/context/:id/environment-variable/:name': ['context.secret.deleted', 'context'],
  'POST /api/v2/context': ['context.created', 'context'],
  'DELETE /api/v2/context/:id': ['context.deleted', 'context'],
  'POST /api/v2/workflow/:id/approve/:requestId': ['workflow.approved', 'workflow'],
  'POST /api/v2/workflow/:id/cancel': ['workflow.canceled', 'workflow'],
  'POST /api/v2/workflow/:id/rerun': ['workflow.rerun', 'workflow'],
  'POST /api/v2/jobs/:id/cancel': ['job.canceled', 'job'],
  'POST /api/v2/project/:slug/job/:number/cancel': ['job.canceled', 'project'],
  'POST /api/v2/runner/token': ['runner.token.created', 'runner-resource-class'],
  'DELETE /api/v2/runner/token/:id': ['runner.token.deleted', 'runner-token'],
  'POST /api/v2/webhook': ['webhook.created', 'webhook'],
  'PUT /api/v2/webhook/:id': ['webhook.updated', 'webhook'],
  'DELETE /api/v2/webhook/:id': ['webhook.deleted', 'webhook'],
};

/** Reads that hand out secret values, audited like changes. */
const SECRET_READS: Record<string, (ctx: RouteContext) => boolean> = {
  'GET /api/v2/project/:slug/secrets': () => true,
  'GET /api/v2/project/:slug/job/:number/replay': (ctx) => ctx.req.query['with-secrets'] === 'true',
};

/** Calls that change nothing (or are agent traffic, audited as task state instead) are not recorded. */
const NOT_AUDITED = /^\/runner\/|^\/api\/v2\/compile-config-with-defaults$|\/test$/;

/** Body fields safe to keep as metadata: names and identifiers, never values, secrets or URLs. */
const SAFE_FIELDS = ['name', 'label', 'login', 'organization', 'role', 'branch', 'from_failed', 'resource_class'];

function metadataOf(body: unknown, status: number): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = { status };
  if (body && typeof body === 'object') {
    for (const k of SAFE_FIELDS) {
      const v = (body as Record<string, unknown>)[k];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    }
  }
  return out;
}

function targetOf(route: Route, ctx: RouteContext, type: string): { type: string; id: string | null } {
  const p = ctx.req.params;
  if (p.slug) return { type: 'project', id: p.slug };
  if (p.vcs) return { type: 'project', id: `${p.vcs}/${p.org}/${p.repo}` };
  return { type, id: p.tokenId ?? p.id ?? p.name ?? null };
}

/** The request fields of an audit event (who called from where), from the route's context. */
export function auditRequest(ctx: RouteContext): AuditEvent['request'] {
  const src = ctx.req.source;
  return { id: src?.requestId ?? null, ip: src?.ip ?? null, user_agent: src?.userAgent ?? null };
}

/**
 * Wraps a route so that a mutating call (and any refused authentication) becomes one audit record, written
 * before the response leaves; an audit write failure is counted and logged, never returned to the caller.
 */
export function audited(route: Route): Route {
  if (NOT_AUDITED.test(route.path)) return route;
  const key = `${route.method} ${route.path}`;
  const mutating = !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
  return {
    ...route,
    async handle(ctx) {
      let user: User | undefined;
      const wrapped: RouteContext = { ...ctx, user: async () => (user = await ctx.user()) };
      let res: ApiResponse | undefined;
      let error: unknown;
      try {
        res = await route.handle(wrapped);
        return res;
      } catch (e) {
        error = e;
        throw e;
      } finally {
        const authFailed = error instanceof UnauthorizedError;
        if (mutating || authFailed || SECRET_READS[key]?.(ctx)) {
          const [action, type] = authFailed ? ['authentication.failed', 'api'] : (ACTIONS[key] ?? [`api.${route.method.toLowerCase()} ${route.path}`, 'api']);
          const status = res?.status ?? (error instanceof SlipwayError ? error.status : 500);
          const request = auditRequest(ctx);
          recordAudit(ctx.deps, {
            actor: userActor(user),
            action,
            target: authFailed ? { type: 'api', id: `${route.method} ${route.path}` } : targetOf(route, ctx, type),
            request,
            outcome: status < 400 ? 'success' : 'failure',
            metadata: metadataOf(ctx.req.body, status),
          });
          if (authFailed) {
            await noteAuthFailure(ctx.deps, { token: tokenFromRequest(ctx.req.headers, ctx.req.query), request }).catch((e) => {
              ctx.deps.metrics?.record('AuditWriteFailures', 1);
              logError('audit failure-burst count failed', e);
            });
          }
          await flushAudit(ctx.deps, (e) => logError('audit write failed', e));
        }
      }
    },
  };
}
