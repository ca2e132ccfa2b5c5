import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { startDevServer, type DevServer } from '../support/dev-server';
import { CLIENT_ID, CLIENT_SECRET, FakeGitHubOAuth, oauthEnv } from '../support/fake-github-oauth';
import { CHROMIUM, buildWebIfStale, launchChromium, screenshot, uiProblems } from './web-browser';

const START = '/api/v2/slipway/oauth/github/start';
const CALLBACK = '/api/v2/slipway/oauth/github/callback';

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
  const github = new FakeGitHubOAuth();
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
    const [started] = await Promise.all([startDevServer({ env: oauthEnv(github) }), buildWebIfStale()]);
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

  withChromium(
    'signs in through GitHub in the browser, lands on the projects page, and the token works on the API',
    async () => {
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
    },
    45_000,
  );

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
      new SignJWT({ kind: 'resource', ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(exp - 600)
        .setExpirationTime(exp)
        .sign(key);
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
    const denied = await message(
      withState(await callbackUrl(), (u) => {
        u.searchParams.delete('code');
        u.searchParams.set('error', 'access_denied');
      }),
    );
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
    expect((await server.api('GET', '/api/v2/slipway/projects', undefined, viewer)).body).toEqual({
      items: [expect.objectContaining({ slug: 'gh/other/secret' })],
      next_page_token: null,
    });
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
