import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoIdentityStore } from '../../shared/adapters/aws/dynamo-identity-store';
import { systemClock } from '../../shared/ports/clock';
import { seedAdmin } from '../../shared/services/identity/auth';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import { createTestResources } from '../../test/support/aws';
import { json, type Route } from './http';
import { createRouter } from './router';

const echo =
  (name: string): Route['handle'] =>
  async (ctx) =>
    json(200, { route: name, params: ctx.req.params });
const routes: Route[] = [
  { method: 'GET', path: '/api/v2/project/:slug/pipeline/mine', handle: echo('mine') },
  { method: 'GET', path: '/api/v2/project/:slug/pipeline/:number', handle: echo('by-number') },
  { method: 'GET', path: '/api/v2/project/:slug/pipeline', handle: echo('list') },
  { method: 'GET', path: '/api/v2/project/:slug', handle: echo('project') },
  { method: 'GET', path: '/api/v1.1/project/:vcs/:org/:repo/envvar', handle: echo('v1-envvars') },
  { method: 'GET', path: '/api/v1.1/project/:vcs/:org/:repo/tree/:branch', handle: echo('v1-tree') },
  { method: 'GET', path: '/api/v1.1/project/:vcs/:org/:repo/:number', handle: echo('v1-job') },
  { method: 'GET', path: '/api/v2/me', handle: async (ctx) => json(200, { login: (await ctx.user()).login }) },
  {
    method: 'GET',
    path: '/api/v2/boom',
    handle: async () => {
      throw new Error('unexpected');
    },
  },
  { method: 'GET', path: '/api/v2/unavailable', handle: async () => json(503, { message: 'try later' }) },
];

function event(method: string, rawPath: string, options: { headers?: Record<string, string>; query?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: options.headers ?? {},
    queryStringParameters: options.query,
    isBase64Encoded: false,
    requestContext: { http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' } } as never,
  };
}

describe('createRouter', () => {
  let deps: ControlPlaneDeps;
  const recorded: string[] = [];
  const route = createRouter(routes, () => undefined);
  const call = async (method: string, path: string, options?: Parameters<typeof event>[2]) => {
    const res = await route(event(method, path, options), deps);
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };

  beforeAll(async () => {
    const r = await createTestResources({ queues: false });
    deps = {
      identity: new DynamoIdentityStore(r.table),
      clock: systemClock,
      metrics: { record: (name: string) => recorded.push(name) },
    } as unknown as ControlPlaneDeps;
    await seedAdmin(deps, 'the-token');
  });

  it('reads a project slug with plain or URL-escaped slashes, with long or short VCS names in any case', async () => {
    for (const path of [
      '/api/v2/project/gh/acme/demo/pipeline',
      '/api/v2/project/gh%2Facme%2Fdemo/pipeline',
      '/api/v2/project/github%2facme%2fdemo/pipeline',
      '/api/v2/project/GitHub/acme/demo/pipeline/',
    ]) {
      expect([path, await call('GET', path)]).toEqual([path, { status: 200, body: { route: 'list', params: { slug: 'gh/acme/demo' } } }]);
    }
    expect((await call('GET', '/api/v2/project/bitbucket%2Facme%2Fdemo')).body.params).toEqual({ slug: 'bb/acme/demo' });
    expect((await call('GET', '/api/v2/project/circleci/8e3c1e6f/9a1d2b3c')).body.params).toEqual({ slug: 'circleci/8e3c1e6f/9a1d2b3c' });
  });

  it('matches numeric parameters only with digits', async () => {
    expect((await call('GET', '/api/v2/project/gh%2Facme%2Fdemo/pipeline/42')).body).toEqual({
      route: 'by-number',
      params: { slug: 'gh/acme/demo', number: '42' },
    });
    expect((await call('GET', '/api/v2/project/gh/acme/demo/pipeline/mine')).body.route).toBe('mine');
    expect((await call('GET', '/api/v2/project/gh/acme/demo/pipeline/latest')).status).toBe(404);
    expect((await call('GET', '/api/v1.1/project/github/acme/demo/envvar')).body).toEqual({
      route: 'v1-envvars',
      params: { vcs: 'gh', org: 'acme', repo: 'demo' },
    });
    expect((await call('GET', '/api/v1.1/project/github/acme/demo/7')).body.route).toBe('v1-job');
  });

  it('reads a v1.1 branch with slashes, escaped or not, and names the v2 call for v1.1 paths it does not serve', async () => {
    for (const path of ['/api/v1.1/project/github/acme/demo/tree/feature/x', '/api/v1.1/project/github/acme/demo/tree/feature%2Fx']) {
      expect((await call('GET', path)).body).toEqual({ route: 'v1-tree', params: { vcs: 'gh', org: 'acme', repo: 'demo', branch: 'feature/x' } });
    }
    const heroku = await call('POST', '/api/v1.1/user/heroku-key');
    expect(heroku.status).toBe(404);
    expect(heroku.body.message).toMatch(
      /API v1\.1 POST \/api\/v1\.1\/user\/heroku-key is not available on Slipway\. The API v2 equivalent: none: Slipway has no Heroku integration/,
    );
    expect((await call('GET', '/api/v2/nothing')).body.message).toBe('No route for GET /api/v2/nothing. See the CircleCI API v2 reference.');
  });

  it('answers 400 naming the segment when a path has a malformed percent escape', async () => {
    const res = await call('GET', '/api/v2/project/gh%2Facme%2/pipeline');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/Malformed percent-encoding in the request path at "gh%2Facme%2"/);
  });

  it('accepts the token as Circle-Token header, circle-token query parameter and HTTP basic user name', async () => {
    const basic = `Basic ${Buffer.from('the-token:').toString('base64')}`;
    const ways: Array<Parameters<typeof event>[2]> = [
      { headers: { 'circle-token': 'the-token' } },
      { query: { 'circle-token': 'the-token' } },
      { headers: { authorization: basic } },
    ];
    for (const options of ways) {
      expect(await call('GET', '/api/v2/me', options)).toEqual({ status: 200, body: { login: 'admin' } });
    }
    expect((await call('GET', '/api/v2/me', { query: { 'circle-token': 'wrong' } })).status).toBe(401);
    expect((await call('GET', '/api/v2/me')).status).toBe(401);
  });

  it('counts every response of 500 or more in ApiServerErrors, and nothing else', async () => {
    recorded.length = 0;
    expect((await call('GET', '/api/v2/boom')).status).toBe(500);
    expect((await call('GET', '/api/v2/unavailable')).status).toBe(503);
    expect(recorded).toEqual(['ApiServerErrors', 'ApiServerErrors']);
    await call('GET', '/api/v2/project/gh/acme/demo/pipeline/latest');
    await call('GET', '/api/v2/me');
    expect(recorded).toHaveLength(2);
  });
});
