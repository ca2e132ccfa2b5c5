import { UnauthorizedError, VcsError } from '../../model/errors';
import type { GitHubOAuthClient } from '../../ports/github-oauth-client';

type Fetch = typeof fetch;

/** Where the App's OAuth client talks to: GitHub's web base (code exchange) and REST API base. */
export interface GitHubOAuthEndpoints {
  clientId: string;
  clientSecret: string;
  webUrl: string;
  apiUrl: string;
}

/** The OAuth client of the GitHub App over GitHub's HTTP API (github.com or a GitHub Enterprise Server). */
export class GitHubOAuthHttpClient implements GitHubOAuthClient {
  constructor(
    private readonly oauth: GitHubOAuthEndpoints,
    private readonly fetchImpl: Fetch = fetch,
  ) {}

  async exchangeCode(code: string, redirectUri: string): Promise<string> {
    const url = `${this.oauth.webUrl}/login/oauth/access_token`;
    const res = await this.call('the code exchange', url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'slipway' },
      body: new URLSearchParams({ client_id: this.oauth.clientId, client_secret: this.oauth.clientSecret, code, redirect_uri: redirectUri }).toString(),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
    if (res.ok && typeof body.access_token === 'string' && body.access_token) return body.access_token;
    if (body.error) {
      throw new UnauthorizedError(
        `GitHub refused the sign-in code: ${body.error}${body.error_description ? ` (${body.error_description})` : ''}. Sign in again; if it keeps failing, check the App's client id and secret.`,
      );
    }
    throw new VcsError(`GitHub's code exchange at ${url} answered HTTP ${res.status} without an access token. Check GITHUB_WEB_URL, then sign in again.`);
  }

  async user(token: string): Promise<{ login: string; name: string | undefined; id: number }> {
    const me = await this.get<{ login?: unknown; name?: unknown; id?: unknown }>(token, '/user');
    if (!me.ok || typeof me.body.login !== 'string' || !Number.isSafeInteger(me.body.id)) {
      throw new VcsError(`GitHub's GET /user answered HTTP ${me.status} without a login and an account id; sign in again.`);
    }
    return { login: me.body.login, name: typeof me.body.name === 'string' && me.body.name ? me.body.name : undefined, id: me.body.id as number };
  }

  /** GitHub answers `GET /user/installations` for GitHub App user tokens; any other answer grants nothing. */
  async installationOrganizations(token: string): Promise<string[]> {
    const orgs: string[] = [];
    for (let page = 1; page <= 10; page++) {
      type Installations = { installations?: Array<{ account?: { login?: string; type?: string } }> };
      const res = await this.get<Installations>(token, `/user/installations?per_page=100&page=${page}`);
      const items = res.ok && Array.isArray(res.body.installations) ? res.body.installations : [];
      for (const i of items) if (i.account?.type === 'Organization' && i.account.login) orgs.push(i.account.login);
      if (items.length < 100) break;
    }
    return orgs;
  }

  private async get<T>(token: string, path: string): Promise<{ ok: boolean; status: number; body: T }> {
    const res = await this.call(`GET ${path}`, `${this.oauth.apiUrl}${path}`, {
      headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${token}`, 'x-github-api-version': '2022-11-28', 'user-agent': 'slipway' },
    });
    return { ok: res.ok, status: res.status, body: (await res.json().catch(() => ({}))) as T };
  }

  private async call(what: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      throw new VcsError(
        `Could not reach GitHub for ${what} at ${url}: ${(e as Error).message}. Check GITHUB_WEB_URL/GITHUB_API_URL and the network, then sign in again.`,
        {},
        { cause: e },
      );
    }
  }
}
