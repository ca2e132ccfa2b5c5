import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CLIENT_ID = 'Iv1.e2e-client';
export const CLIENT_SECRET = 'e2e-client-secret';

/**
 * GitHub's side of the OAuth web flow on loopback: the authorize page approves at once and redirects to the
 * callback with a one-time code; the token exchange and the REST API answer as GitHub documents them.
 */
export class FakeGitHubOAuth {
  readonly server: Server;
  url = '';
  /** The next sign-in approves as this GitHub user... */
  login = 'octo-dev';
  /** ...whose account id is this (by default one per login, as on GitHub). */
  accountId: number | undefined;
  readonly exchanges: Array<Record<string, string>> = [];
  private readonly codes = new Map<string, { login: string; id: number; redirectUri: string }>();
  private readonly tokens = new Map<string, { login: string; id: number }>();
  private readonly ids = new Map<string, number>();

  private idOf(login: string): number {
    if (!this.ids.has(login)) this.ids.set(login, 4242 + this.ids.size);
    return this.ids.get(login)!;
  }

  constructor() {
    this.server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        const redirectUri = url.searchParams.get('redirect_uri') ?? '';
        if (url.searchParams.get('client_id') !== CLIENT_ID || !redirectUri) return send(404, { message: 'Not Found' });
        const code = randomBytes(10).toString('hex');
        this.codes.set(code, { login: this.login, id: this.accountId ?? this.idOf(this.login), redirectUri });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        return res.writeHead(302, { location: back.toString() }).end();
      }
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        let raw = '';
        for await (const chunk of req) raw += chunk;
        const form = Object.fromEntries(new URLSearchParams(raw));
        this.exchanges.push(form);
        const grant = this.codes.get(form.code);
        this.codes.delete(form.code);
        if (form.client_id !== CLIENT_ID || form.client_secret !== CLIENT_SECRET)
          return send(200, { error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
        if (!grant || grant.redirectUri !== form.redirect_uri)
          return send(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
        const token = `ghu_${randomBytes(12).toString('hex')}`;
        this.tokens.set(token, { login: grant.login, id: grant.id });
        return send(200, { access_token: token, token_type: 'bearer', scope: '' });
      }
      const account = this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!account) return send(401, { message: 'Bad credentials' });
      const login = account.login;
      if (url.pathname === '/user') return send(200, { login, id: account.id, name: 'Octo Developer' });
      if (url.pathname === '/user/installations') {
        const installations = [
          { id: 1, account: { login: 'acme', type: 'Organization' } },
          { id: 2, account: { login, type: 'User' } },
        ];
        return send(200, { total_count: installations.length, installations });
      }
      return send(404, { message: 'Not Found' });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

/** The dev server's settings for sign-in with GitHub against `github`. */
export const oauthEnv = (github: FakeGitHubOAuth): Record<string, string> => ({
  SLIPWAY_GITHUB_CLIENT_ID: CLIENT_ID,
  SLIPWAY_GITHUB_CLIENT_SECRET: CLIENT_SECRET,
  GITHUB_WEB_URL: github.url,
  GITHUB_API_URL: github.url,
});

/**
 * One whole sign-in as a browser does it (start, GitHub's authorize page, the callback, carrying the nonce
 * cookie); resolves the callback's redirect, which carries the new API token in its fragment.
 */
export async function signInThroughGitHub(serverUrl: string, next = '/'): Promise<{ status: number; location: string; token: string }> {
  const start = await fetch(`${serverUrl}/api/v2/slipway/oauth/github/start?next=${encodeURIComponent(next)}`, { redirect: 'manual' });
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0];
  const authorize = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location') ?? '', { redirect: 'manual', headers: { cookie } });
  const location = callback.headers.get('location') ?? '';
  return { status: callback.status, location, token: new URLSearchParams(location.split('#')[1] ?? '').get('token') ?? '' };
}
