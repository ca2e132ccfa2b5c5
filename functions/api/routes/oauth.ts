import { authMethods, finishGitHubSignIn, GITHUB_CALLBACK_PATH, GITHUB_START_PATH, startGitHubSignIn } from '../../../shared/services/oauth';
import { json, type Route } from '../http';

/** A browser redirect that leaves no trace of its URL in `Referer` headers or caches. */
const redirect = (location: string) => ({ status: 302, headers: { location, 'referrer-policy': 'no-referrer' } });

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
    handle: async (ctx) => redirect(await startGitHubSignIn(ctx.deps, ctx.req.query.next)),
  },
  {
    method: 'GET',
    path: GITHUB_CALLBACK_PATH,
    async handle(ctx) {
      const q = ctx.req.query;
      const done = await finishGitHubSignIn(ctx.deps, { code: q.code, state: q.state, error: q.error, errorDescription: q.error_description });
      return redirect(done.location);
    },
  },
];
