import { authMethods, finishGitHubSignIn, GITHUB_CALLBACK_PATH, GITHUB_START_PATH, startGitHubSignIn } from '../../../shared/services/identity/oauth';
import { flushAudit, recordAudit, userActor } from '../../../shared/services/audit/audit';
import { logError } from '../../observability';
import { auditRequest } from '../audit';
import { cookieValue, json, type Route } from '../http';

/** A browser redirect that leaves no trace of its URL in `Referer` headers or caches. */
const redirect = (location: string, cookies?: string[]) => ({ status: 302, headers: { location, 'referrer-policy': 'no-referrer' }, cookies });

/** Binds a sign-in to the browser that started it (checked against the state's nonce at the callback). */
const NONCE_COOKIE = 'slipway_oauth_nonce';
const nonceCookie = (value: string, secure: boolean, maxAge: number) =>
  `${NONCE_COOKIE}=${value}; Path=/api/v2/slipway/oauth/github; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;

/**
 * Sign-in: how users may sign in, and sign-in with GitHub (OAuth web flow of the GitHub App). These routes
 * are public by design: they run before the caller has a token. The callback trusts only a `state` this
 * Slipway signed (10 minutes, once) and a code GitHub itself accepts.
 */
export const oauthRoutes: Route[] = [
  { method: 'GET', path: '/api/v2/slipway/auth-methods', handle: async (ctx) => json(200, authMethods(ctx.deps)) },
  {
    method: 'GET',
    path: GITHUB_START_PATH,
    handle: async (ctx) => {
      const started = await startGitHubSignIn(ctx.deps, ctx.req.query.next);
      return redirect(started.location, [nonceCookie(started.nonce, ctx.deps.publicUrl.startsWith('https:'), 600)]);
    },
  },
  {
    method: 'GET',
    path: GITHUB_CALLBACK_PATH,
    async handle(ctx) {
      const q = ctx.req.query;
      const done = await finishGitHubSignIn(ctx.deps, {
        code: q.code,
        state: q.state,
        error: q.error,
        errorDescription: q.error_description,
        browserNonce: cookieValue(ctx.req.headers, NONCE_COOKIE),
      });
      // A sign-in is security-relevant although it is a GET: one audit event, naming the user, never a token.
      recordAudit(ctx.deps, {
        actor: userActor(done.user),
        action: 'user.signed_in',
        target: { type: 'user', id: done.user.id },
        request: auditRequest(ctx),
        outcome: 'success',
        metadata: { method: 'github', granted_orgs: done.grantedOrgs.join(',') },
      });
      await flushAudit(ctx.deps, (e) => logError('audit write failed', e));
      return redirect(done.location, [nonceCookie('', ctx.deps.publicUrl.startsWith('https:'), 0)]);
    },
  },
];
