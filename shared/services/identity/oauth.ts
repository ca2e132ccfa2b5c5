import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { User } from '../../model/entities';
import { ForbiddenError, NotFoundError, SlipwayError, UnauthorizedError, ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';
import { hashToken, newApiToken } from './tokens';

/** The GitHub App's OAuth client and where GitHub lives (github.com, or a GitHub Enterprise Server host). */
export interface GitHubOAuthSettings {
  clientId: string;
  clientSecret: string;
  /** Web base: `https://github.com` or `https://<ghes host>` (authorize page, code exchange). */
  webUrl: string;
  /** REST API base: `https://api.github.com` or `https://<ghes host>/api/v3`. */
  apiUrl: string;
}

type Deps = Pick<ControlPlaneDeps, 'identity' | 'tokens' | 'dedupe' | 'clock' | 'publicUrl' | 'githubOAuth' | 'githubOAuthClient'>;

export const GITHUB_START_PATH = '/api/v2/slipway/oauth/github/start';
export const GITHUB_CALLBACK_PATH = '/api/v2/slipway/oauth/github/callback';
/** How long a sign-in may take between the redirect to GitHub and the callback. */
const STATE_TTL_SECONDS = 600;
const STATE_PREFIX = 'github-oauth:';
/** The seeded instance administrator's login: never reachable through a GitHub account of the same name. */
const RESERVED_LOGIN = 'admin';
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** A same-origin path to return to after sign-in (no scheme, no `//host`, no fragment). */
const NEXT = /^\/(?![/\\])[^#\s\\]{0,500}$/;

/** GitHub's API and web bases: the web host follows the API (`<host>/api/v3` → `<host>`) unless given. */
export function githubBaseUrls(apiUrl?: string, webUrl?: string): { apiUrl: string; webUrl: string } {
  const api = (apiUrl || 'https://api.github.com').replace(/\/$/, '');
  const web = webUrl || (api === 'https://api.github.com' ? 'https://github.com' : api.replace(/\/api\/v3$/, ''));
  return { apiUrl: api, webUrl: web.replace(/\/$/, '') };
}

/** How users can sign in to this installation (read by the UI's sign-in page before anyone is signed in). */
export function authMethods(deps: Pick<Deps, 'githubOAuth'>) {
  return { api_token: true, github: deps.githubOAuth ? { start_url: GITHUB_START_PATH } : null };
}

function settings(deps: Deps): GitHubOAuthSettings {
  if (!deps.githubOAuth) {
    throw new NotFoundError(
      "Sign-in with GitHub is not configured on this Slipway. An administrator sets the GitHub App's clientId and clientSecret (App secret, or SLIPWAY_GITHUB_CLIENT_ID and SLIPWAY_GITHUB_CLIENT_SECRET locally); meanwhile sign in with an API token.",
    );
  }
  return deps.githubOAuth;
}

const callbackUrl = (deps: Deps) => `${deps.publicUrl}${GITHUB_CALLBACK_PATH}`;

/**
 * Starts a sign-in: the GitHub authorize URL to redirect to, carrying a signed `state` (random nonce plus
 * the path to return to) that expires after 10 minutes and is accepted once.
 */
export async function startGitHubSignIn(deps: Deps, next: string | undefined): Promise<{ location: string; nonce: string }> {
  const oauth = settings(deps);
  const back = next && NEXT.test(next) ? next : '/';
  const nonce = randomUUID();
  const state = await deps.tokens.signResource(`${STATE_PREFIX}${nonce}:${back}`, STATE_TTL_SECONDS);
  const q = new URLSearchParams({ client_id: oauth.clientId, redirect_uri: callbackUrl(deps), state, allow_signup: 'false' });
  return { location: `${oauth.webUrl}/login/oauth/authorize?${q}`, nonce };
}

/**
 * Verifies a callback's `state` (signature, expiry, bound to the browser that started the sign-in through
 * the nonce cookie — no login CSRF —, single use); resolves the path to return to.
 */
async function consumeState(deps: Deps, state: string | undefined, browserNonce: string | undefined): Promise<string> {
  const restart = `Start again from the sign-in page (${GITHUB_START_PATH}).`;
  if (!state) throw new ValidationError(`The GitHub sign-in callback has no state parameter. ${restart}`);
  let claims: { resource?: unknown; exp?: number } = {};
  try {
    claims = decodeJwt(state);
  } catch {
    // not a JWT at all: refused below
  }
  const resource = claims.resource;
  if (typeof resource !== 'string' || !resource.startsWith(STATE_PREFIX)) {
    throw new ValidationError(`The GitHub sign-in state is not one this Slipway issued. ${restart}`);
  }
  try {
    await deps.tokens.verifyResource(state, resource);
  } catch {
    const expired = typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now();
    throw new ValidationError(
      expired
        ? `The GitHub sign-in state has expired (sign-in must finish within ${STATE_TTL_SECONDS / 60} minutes). ${restart}`
        : `The GitHub sign-in state failed verification (it was altered or signed by another key). ${restart}`,
    );
  }
  const rest = resource.slice(STATE_PREFIX.length);
  const nonce = rest.slice(0, rest.indexOf(':'));
  if (!browserNonce || browserNonce !== nonce) {
    throw new ValidationError(`This GitHub sign-in was started in another browser, or cookies are blocked for this site. ${restart}`);
  }
  if (!(await deps.dedupe.claim(`github-oauth-state:${nonce}`, STATE_TTL_SECONDS, deps.clock.now()))) {
    throw new ValidationError(`This GitHub sign-in state was used already; each sign-in link works once. ${restart}`);
  }
  const next = rest.slice(nonce.length + 1);
  return NEXT.test(next) ? next : '/';
}

/**
 * The Slipway user of a GitHub account. By the account's numeric id first (a renamed account stays the same
 * user); an account seen for the first time takes the user of its login (one an administrator created ahead,
 * or a new one) and is linked to it for good. A login whose user is linked to another GitHub account (the
 * name changed hands on GitHub) is refused rather than handed over.
 */
async function findOrCreateUser(deps: Deps, login: string, name: string, githubId: number): Promise<User> {
  const linked = await deps.identity.getUserByGithubId(githubId);
  if (linked) return linked;
  let user = await deps.identity.getUserByLogin(login);
  if (!user) {
    const created: User = { id: randomUUID(), login, name, roles: {}, admin: false, createdAt: deps.clock.now().toISOString() };
    // A concurrent first sign-in of the same login may create it first.
    user = (await deps.identity.createUser(created)) ? created : await deps.identity.getUserByLogin(login);
    if (!user) throw new SlipwayError(`Could not create the Slipway user ${login}; sign in again.`, 503);
  }
  const ready = await deps.identity.linkGithubAccount(user.id, githubId);
  if (ready) return ready;
  throw new ForbiddenError(
    `The Slipway user "${login}" belongs to another GitHub account (the login has changed hands on GitHub), so this account cannot sign in as it. Ask a Slipway administrator for an API token, or to rename the existing user.`,
  );
}

/**
 * Finishes a sign-in: verifies `state`, exchanges `code` for the user's GitHub token, reads the GitHub user,
 * finds (by GitHub account id, else login) or creates the Slipway user (no roles, except `member` of `gh/<org>` for each organisation
 * whose App installation the user can reach and where they have no role yet; roles are never lowered),
 * issues a personal API token and resolves the UI address that carries it in the fragment (`#token=`).
 */
export async function finishGitHubSignIn(
  deps: Deps,
  input: { code?: string; state?: string; error?: string; errorDescription?: string; browserNonce?: string },
): Promise<{ location: string; user: User; grantedOrgs: string[] }> {
  settings(deps);
  const github = deps.githubOAuthClient;
  if (!github) throw new NotFoundError('Sign-in with GitHub has no GitHub client in this deployment; sign in with an API token.');
  const next = await consumeState(deps, input.state, input.browserNonce);
  if (input.error) {
    throw new UnauthorizedError(
      `GitHub did not authorise the sign-in: ${input.error}${input.errorDescription ? ` (${input.errorDescription})` : ''}. Sign in again and approve the access.`,
    );
  }
  if (!input.code) throw new ValidationError('The GitHub sign-in callback has no code parameter. Start again from the sign-in page.');
  const githubToken = await github.exchangeCode(input.code, callbackUrl(deps));
  const me = await github.user(githubToken);
  const login = me.login;
  if (login.toLowerCase() === RESERVED_LOGIN) {
    throw new ForbiddenError(
      `The GitHub account "${login}" has the name of Slipway's built-in administrator and cannot sign in with GitHub. Sign in with an API token instead.`,
    );
  }
  if (!LOGIN.test(login)) throw new ForbiddenError(`The GitHub login "${login}" is not a valid Slipway login; ask an administrator for an API token.`);
  let user = await findOrCreateUser(deps, login, me.name || login, me.id);
  const grantedOrgs: string[] = [];
  for (const org of (await github.installationOrganizations(githubToken)).filter((o) => LOGIN.test(o))) {
    const slug = `gh/${org}`;
    if (user.roles[slug]) continue;
    user = (await deps.identity.setRole(user.id, slug, 'member')) ?? user;
    grantedOrgs.push(slug);
  }
  const token = newApiToken();
  await deps.identity.putToken({ hash: hashToken(token), userId: user.id, label: 'github-sign-in', createdAt: deps.clock.now().toISOString() });
  return { location: `${deps.publicUrl}${next}#token=${token}`, user, grantedOrgs };
}
