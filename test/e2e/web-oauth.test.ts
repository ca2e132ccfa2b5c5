import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { startDevServer, type DevServer } from '../support/dev-server';
import { CHROMIUM, buildWebIfStale, launchChromium, screenshot, uiProblems } from './web-browser';

const CLIENT_ID = 'Iv1.e2e-client';
const CLIENT_SECRET = 'e2e-client-secret';
const START = '/api/v2/slipway/oauth/github/start';
const CALLBACK = '/api/v2/slipway/oauth/github/callback';

/**
 * GitHub's side of the OAuth web flow on loopback: the authorize page approves at once and redirects to the
 * callback with a one-time code; the token exchange and the REST API answer as GitHub documents them.
 */
class FakeGitHub {
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
        if (form.client_id !== CLIENT_ID || form.client_secret !== CLIENT_SECRET) return send(200, { error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
        if (!grant || grant.redirectUri !== form.redirect_uri) return send(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
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

/** Follows one redirect by hand; resolves its target. */
/** The sign-in nonce cookie the last start set (a one-cookie jar, as a browser would keep it). */
let nonceCookie = '';
async function browserFetch(url: string, withCookie = true): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', headers: withCookie && nonceCookie ? { cookie: nonceCookie } : {} });
  const set = res.headers.get('set-cookie');
  if (set?.startsWith('slipway_oauth_nonce=')) nonceCookie = set.split(';')[0];
  return res;
}

async function redirectOf(url: string): Promise<{ status: number; location: string; body: string }> {
  const res = await browserFetch(url);
  return { status: res.status, location: res.headers.get('location') ?? '', body: await res.text() };
}

describe('sign-in with GitHub and the project list', () => {
  let server: DevServer;
  let browser: Browser | undefined;
  const github = new FakeGitHub();
  const withChromium = existsSync(CHROMIUM) ? it : it.skip;

  /** Start → (fake) authorize → the callback URL carrying a code and the signed state. */
  async function callbackUrl(next = '/'): Promise<string> {
    const start = await redirectOf(`${server.url}${START}?next=${encodeURIComponent(next)}`);
    expect(start.status).toBe(302);
    expect(start.location.startsWith(`${github.url}/login/oauth/authorize?`)).toBe(true);
    const authorize = await redirectOf(start.location);
    expect(authorize.location.startsWith(`${server.url}${CALLBACK}?`)).toBe(true);
    return authorize.location;
  }

  const withState = (callback: string, mutate: (u: URL) => void) => {
    const u = new URL(callback);
    mutate(u);
    return u.toString();
  };

  beforeAll(async () => {
    await github.start();
    const [started] = await Promise.all([
      startDevServer({ env: { SLIPWAY_GITHUB_CLIENT_ID: CLIENT_ID, SLIPWAY_GITHUB_CLIENT_SECRET: CLIENT_SECRET, GITHUB_WEB_URL: github.url, GITHUB_API_URL: github.url } }),
      buildWebIfStale(),
    ]);
    server = started;
    for (const slug of ['gh/acme/app', 'gh/acme/lib', 'gh/other/secret']) {
      expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: 'file:///nowhere' })).status).toBe(201);
    }
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    github.server.close();
  });

  withChromium('signs in through GitHub in the browser, lands on the projects page, and the token works on the API', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const problems = uiProblems(page);
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/signin\?next=/);
    const button = page.getByRole('link', { name: 'Sign in with GitHub' });
    await button.waitFor();
    await screenshot(page, 'sign-in-github');
    await button.click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    // The token left the address bar; the page is the projects page with the projects of the granted org only.
    expect(page.url()).toBe(`${server.url}/`);
    const token = await page.evaluate(() => (globalThis as any).localStorage.getItem('slipway.token') as string | null);
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    const acme = page.getByRole('region', { name: 'acme' });
    await acme.getByRole('link', { name: 'acme/app', exact: true }).waitFor();
    await acme.getByRole('link', { name: 'acme/lib', exact: true }).waitFor();
    await page.getByTestId('user').filter({ hasText: 'octo-dev' }).waitFor();
    expect(await page.getByRole('region', { name: 'other' }).count()).toBe(0);
    await screenshot(page, 'projects-after-github-sign-in');

    const me = await server.api('GET', '/api/v2/me', undefined, token);
    expect(me).toEqual({ status: 200, body: expect.objectContaining({ login: 'octo-dev', name: 'Octo Developer' }) });
    const list = await server.api('GET', '/api/v2/slipway/projects', undefined, token);
    expect(list.body.items.map((p: any) => p.slug)).toEqual(['gh/acme/app', 'gh/acme/lib']);
    expect((await server.api('GET', '/api/v2/project/gh/acme/app', undefined, token)).status).toBe(200);
    expect((await server.api('GET', '/api/v2/project/gh/other/secret', undefined, token)).status).toBe(403);
    // Members may change acme's projects (the granted role), never add projects (instance admins only).
    expect((await server.api('POST', '/api/v2/project/gh/acme/app/envvar', { name: 'FROM_UI', value: 'v' }, token)).status).toBe(201);
    expect((await server.api('POST', '/api/v2/project/gh/acme/new', { repo_url: 'file:///x' }, token)).status).toBe(403);
    const exchange = github.exchanges.at(-1)!;
    expect(exchange).toEqual(expect.objectContaining({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: `${server.url}${CALLBACK}` }));
    expect(problems()).toEqual([]);
  }, 45_000);

  it('signs the same GitHub user in again as the same Slipway user, keeping roles an admin granted', async () => {
    github.login = 'returning-dev';
    const first = await redirectOf(await callbackUrl('/pipelines/gh/acme/app'));
    expect(first.status).toBe(302);
    const m = /^(.*)#token=([0-9a-f]{40})$/.exec(first.location)!;
    expect(m[1]).toBe(`${server.url}/pipelines/gh/acme/app`);
    const user = (await server.api('GET', '/api/v2/me', undefined, m[2])).body;
    expect((await server.api('PUT', `/api/v2/slipway/users/${user.id}/roles`, { organization: 'gh/acme', role: 'admin' })).status).toBe(200);
    const again = await redirectOf(await callbackUrl());
    const second = /#token=([0-9a-f]{40})$/.exec(again.location)![1];
    expect(second).not.toBe(m[2]);
    expect((await server.api('GET', '/api/v2/me', undefined, second)).body.id).toBe(user.id);
    const users = (await server.api('GET', '/api/v2/slipway/users')).body.items as any[];
    expect(users.find((u) => u.id === user.id).roles).toEqual({ 'gh/acme': 'admin' });
    // An outside `next` is never followed.
    const outside = await redirectOf(await callbackUrl('//evil.example/x'));
    expect(outside.location.startsWith(`${server.url}/#token=`)).toBe(true);
  });

  it('follows a renamed GitHub account to its user, and refuses a new account that took an old login', async () => {
    const meOf = async (location: string) => (await server.api('GET', '/api/v2/me', undefined, /#token=([0-9a-f]{40})$/.exec(location)![1])).body;
    github.login = 'rename-me';
    github.accountId = 9001;
    const user = await meOf((await redirectOf(await callbackUrl())).location);
    expect(user.login).toBe('rename-me');
    github.login = 'renamed-now';
    expect(await meOf((await redirectOf(await callbackUrl())).location)).toMatchObject({ id: user.id, login: 'rename-me' });
    // Someone else's account now holds the old login on GitHub: it is not that user.
    github.login = 'rename-me';
    github.accountId = 9002;
    const res = await browserFetch(await callbackUrl());
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/belongs to another GitHub account/);
    github.accountId = undefined;
  });

  it('refuses forged, altered, expired and replayed states and a code GitHub rejects, each with a clear 4xx', async () => {
    github.login = 'octo-dev';
    const message = async (url: string, withCookie = true) => {
      const res = await browserFetch(url, withCookie);
      return { status: res.status, message: ((await res.json()) as { message: string }).message, location: res.headers.get('location') };
    };
    const callback = await callbackUrl();
    const state = new URL(callback).searchParams.get('state')!;
    const sign = (key: Uint8Array, claims: Record<string, unknown>, exp: number) =>
      new SignJWT({ kind: 'resource', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(exp - 600).setExpirationTime(exp).sign(key);
    const now = Math.floor(Date.now() / 1000);
    const forged = await sign(randomBytes(32), { resource: `github-oauth:${randomUUID()}:/` }, now + 600);
    const [header, , signature] = state.split('.');
    const altered = `${header}.${Buffer.from(JSON.stringify({ resource: `github-oauth:${randomUUID()}:/`, kind: 'resource', iat: now, exp: now + 600 })).toString('base64url')}.${signature}`;
    const serverKey = readFileSync(join(server.dataDir, 'keys', 'signing.key'));
    const expired = await sign(serverKey, { resource: `github-oauth:${randomUUID()}:/` }, now - 60);
    const otherPurpose = await sign(serverKey, { resource: 'gh/acme/app/logs' }, now + 600);

    const cases: Array<[string, string, number, RegExp]> = [
      ['forged', withState(callback, (u) => u.searchParams.set('state', forged)), 400, /failed verification/],
      ['altered', withState(callback, (u) => u.searchParams.set('state', altered)), 400, /failed verification/],
      ['expired', withState(callback, (u) => u.searchParams.set('state', expired)), 400, /has expired/],
      ['another purpose', withState(callback, (u) => u.searchParams.set('state', otherPurpose)), 400, /not one this Slipway issued/],
      ['garbage', withState(callback, (u) => u.searchParams.set('state', 'not-a-state')), 400, /not one this Slipway issued/],
      ['missing', withState(callback, (u) => u.searchParams.delete('state')), 400, /no state parameter/],
    ];
    for (const [what, url, status, pattern] of cases) {
      const res = await message(url);
      expect([what, res.status, res.location]).toEqual([what, status, null]);
      expect(res.message).toMatch(pattern);
    }
    // A genuine state from a browser that did not start the sign-in (login CSRF) is refused.
    const csrf = await message(callback, false);
    expect(csrf.status).toBe(400);
    expect(csrf.message).toMatch(/started in another browser/);
    // The genuine callback still works (the refusals above did not consume it) and works once.
    const cookieOfThisSignIn = nonceCookie;
    const ok = await browserFetch(callback);
    expect(ok.status).toBe(302);
    expect(ok.headers.get('referrer-policy')).toBe('no-referrer');
    // The callback clears the cookie; even a replay that kept it (both captured) is refused.
    nonceCookie = cookieOfThisSignIn;
    const replay = await message(callback);
    expect(replay.status).toBe(400);
    expect(replay.message).toMatch(/used already/);

    const rejected = await message(withState(await callbackUrl(), (u) => u.searchParams.set('code', 'not-a-code')));
    expect(rejected.status).toBe(401);
    expect(rejected.message).toMatch(/GitHub refused the sign-in code: bad_verification_code/);
    const denied = await message(withState(await callbackUrl(), (u) => {
      u.searchParams.delete('code');
      u.searchParams.set('error', 'access_denied');
    }));
    expect(denied.status).toBe(401);
    expect(denied.message).toMatch(/did not authorise the sign-in: access_denied/);
  });

  it('lists the projects a caller can see, by role, in pages', async () => {
    const methods = await server.api('GET', '/api/v2/slipway/auth-methods', undefined, null);
    expect(methods).toEqual({ status: 200, body: { api_token: true, github: { start_url: START } } });
    const all = await server.api('GET', '/api/v2/slipway/projects');
    expect(all.body.items.map((p: any) => p.slug)).toEqual(['gh/acme/app', 'gh/acme/lib', 'gh/other/secret']);
    expect(all.body.items[0]).toEqual(expect.objectContaining({ slug: 'gh/acme/app', name: 'app', organization_slug: 'gh/acme', organization_name: 'acme' }));
    expect(all.body.next_page_token).toBeNull();
    const first = await server.api('GET', '/api/v2/slipway/projects?page-size=2');
    expect(first.body.items.map((p: any) => p.slug)).toEqual(['gh/acme/app', 'gh/acme/lib']);
    const second = await server.api('GET', `/api/v2/slipway/projects?page-size=2&page-token=${first.body.next_page_token}`);
    expect(second.body).toEqual({ items: [expect.objectContaining({ slug: 'gh/other/secret' })], next_page_token: null });
    expect((await server.api('GET', '/api/v2/slipway/projects?org-slug=gh/other')).body.items.map((p: any) => p.slug)).toEqual(['gh/other/secret']);

    const tokenFor = async (login: string, role?: [string, string]) => {
      const user = (await server.api('POST', '/api/v2/slipway/users', { login })).body;
      if (role) await server.api('PUT', `/api/v2/slipway/users/${user.id}/roles`, { organization: role[0], role: role[1] });
      return (await server.api('POST', `/api/v2/slipway/users/${user.id}/tokens`, { label: 'list' })).body.token as string;
    };
    const viewer = await tokenFor('other-viewer', ['gh/other', 'viewer']);
    const nobody = await tokenFor('no-roles');
    expect((await server.api('GET', '/api/v2/slipway/projects', undefined, viewer)).body).toEqual({ items: [expect.objectContaining({ slug: 'gh/other/secret' })], next_page_token: null });
    expect((await server.api('GET', '/api/v2/slipway/projects?org-slug=gh/acme', undefined, viewer)).body.items).toEqual([]);
    expect((await server.api('GET', '/api/v2/slipway/projects', undefined, nobody)).body).toEqual({ items: [], next_page_token: null });
    expect((await server.api('GET', '/api/v2/slipway/projects', undefined, null)).status).toBe(401);
    for (const bad of ['page-size=0', 'page-size=101', 'page-size=two', 'page-token=%25%25']) {
      const res = await server.api('GET', `/api/v2/slipway/projects?${bad}`);
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(res.body.message).toMatch(/page-size|page-token/);
    }
  });
});
