import { randomUUID } from 'node:crypto';
import { apiRoutes } from '../../functions/api/routes';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { ONE_JOB_CONFIG as CONFIG, poll, workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

const SLUG = 'gh/acme/walk';
/** Query parameters a route needs to name the organisation (or project) it reads. */
const QUERY = (ids: Record<string, string>): Record<string, string> => ({
  'GET /api/v2/pipeline': '?org-slug=gh/acme',
  'GET /api/v2/context': '?owner-slug=gh/acme',
  'GET /api/v2/runner/resource': '?namespace=acme',
  'GET /api/v2/runner/token': '?resource-class=acme/walk',
  'GET /api/v3/runner': '?resource-class=acme/walk',
  'GET /api/v3/runner/tasks': '?resource-class=acme/walk',
  'GET /api/v2/webhook': `?scope-id=${ids.projectId}&scope-type=project`,
});
/** Routes any signed-in user may call (about themselves or users in general). */
const ANY_USER = new Set([
  'GET /api/v2/me',
  // Signing out revokes the caller's own token.
  'DELETE /api/v2/me/token',
  'GET /api/v2/me/collaborations',
  'GET /api/v2/user/:id',
  'GET /api/v2/slipway/projects',
  // Compiling a config and reading the orb registry touch no organisation's data.
  'POST /api/v2/compile-config-with-defaults',
  'GET /api/v2/slipway/orbs/:namespace/:name',
  'GET /api/private/me/followed-projects',
  'GET /api/v1.1/me',
  'GET /api/v1.1/projects',
  'GET /api/v1.1/recent-builds',
  // The caller's own email notification settings.
  'GET /api/v2/slipway/me/notifications',
  'PUT /api/v2/slipway/me/notifications',
  // The caller's own SSH public keys (rerun with SSH).
  'GET /api/v2/slipway/me/ssh-keys',
  'POST /api/v2/slipway/me/ssh-keys',
  'DELETE /api/v2/slipway/me/ssh-keys/:fingerprint',
]);
/** Reads a viewer may not make: they hand out secrets (values, or presigned links to a job's workspace and caches). */
const ABOVE_VIEWER_READS = new Set(['GET /api/v2/project/:slug/secrets', 'GET /api/v2/project/:slug/job/:number/replay']);
/** Changes a viewer may make: following a project is the viewer's own business. */
const VIEWER_MAY = new Set(['POST /api/v1.1/project/:vcs/:org/:repo/follow', 'POST /api/v1.1/project/:vcs/:org/:repo/unfollow']);
/** Public by design: how to sign in, the GitHub sign-in redirects (they run before the caller has a token), OIDC discovery. */
const PUBLIC = new Set([
  '/healthz',
  '/api/v2/slipway/auth-methods',
  '/api/v2/slipway/oauth/github/start',
  '/api/v2/slipway/oauth/github/callback',
  // The OpenID issuer's discovery document and public keys: whoever verifies a job's token reads them.
  '/.well-known/openid-configuration',
  '/.well-known/jwks-pub.json',
]);
/** Authenticated by other means: task tokens (runner protocol), runner tokens, signed output links, continuation keys. */
const OWN_AUTH = (path: string) => path.startsWith('/runner/') || path.startsWith('/api/v1.1/output/') || path === '/api/v2/pipeline/continue';

/** Bodies that are valid for each mutating route, so that only authorisation can refuse them. */
function bodyFor(method: string, path: string, ids: Record<string, string>): unknown {
  const bodies: Record<string, unknown> = {
    'POST /api/v2/project/:slug/pipeline': { branch: 'main' },
    'POST /api/v2/project/:slug': { repo_url: 'file:///tmp/none' },
    'POST /api/v2/project/:slug/envvar': { name: 'X', value: 'y' },
    'POST /api/v2/context': { name: `c-${randomUUID().slice(0, 6)}`, owner: { slug: 'gh/acme' } },
    'PUT /api/v2/context/:id/environment-variable/:name': { value: 'v' },
    'POST /api/v2/context/:id/restrictions': { restriction_type: 'project', restriction_value: ids.projectId },
    'POST /api/v2/project/:slug/schedule': {
      name: 's',
      parameters: { branch: 'main' },
      timetable: { 'per-hour': 1, 'hours-of-day': [1], 'days-of-week': ['MON'] },
    },
    'PATCH /api/v2/schedule/:id': { name: 'renamed' },
    'POST /api/v2/workflow/:id/rerun': {},
    'POST /api/v2/slipway/users': { login: `u-${randomUUID().slice(0, 6)}` },
    'POST /api/v2/slipway/users/:id/tokens': { label: 'x' },
    'PUT /api/v2/slipway/users/:id/roles': { organization: 'gh/acme', role: 'admin' },
    'PATCH /api/v2/project/:slug/settings': { advanced: { build_fork_prs: true } },
    'PUT /api/v1.1/project/:vcs/:org/:repo/settings': { feature_flags: { 'build-fork-prs': true } },
    'POST /api/v2/project/:slug/push': { updates: [{ ref: 'refs/heads/main', after: 'a'.repeat(40) }] },
    'POST /api/v2/runner/resource': { resource_class: 'acme/walk', desc: 'walk' },
    'POST /api/v2/runner/token': { resource_class: 'acme/walk', nickname: 'walk' },
    'POST /runner/v1/claim': { name: 'walk' },
    'POST /api/v2/pipeline/continue': { 'continuation-key': 'not-a-real-key', configuration: CONFIG },
    'POST /api/v2/compile-config-with-defaults': { config_yaml: CONFIG },
    'POST /api/v2/slipway/orbs/:namespace/:name/:version': { source: 'commands: {}' },
    'POST /api/v2/project/:slug/pipeline/run': { config: { branch: 'main' } },
    'POST /api/v2/organizations/:orgId/usage_export_job': { start: new Date(Date.now() - 86_400_000).toISOString(), end: new Date().toISOString() },
    'POST /api/v1.1/project/:vcs/:org/:repo/envvar': { name: 'X', value: 'y' },
    'POST /api/v2/webhook': {
      name: 'w',
      url: 'http://127.0.0.1:9/hook',
      events: ['workflow-completed'],
      'signing-secret': 's',
      'verify-tls': false,
      scope: { id: ids.projectId, type: 'project' },
    },
    'PUT /api/v2/project/:slug/notifications': { email_notifications: 'none' },
    'POST /api/v1.1/project/:vcs/:org/:repo/checkout-key': { type: 'deploy-key' },
  };
  return bodies[`${method} ${path}`] ?? (method === 'GET' ? undefined : {});
}

function concrete(method: string, path: string, ids: Record<string, string>): string {
  const kind = (seg: string, prev: string) =>
    ({
      pipeline: ids.pipelineId,
      workflow: ids.workflowId,
      context: ids.contextId,
      schedule: ids.scheduleId,
      jobs: ids.jobId,
      user: ids.adminId,
      users: ids.adminId,
    })[prev];
  const segs = path.split('/');
  return (
    segs
      .map((seg, i) => {
        if (seg === ':slug') return SLUG;
        if (!seg.startsWith(':')) return seg;
        const name = seg.slice(1);
        const fixed: Record<string, string | undefined> = {
          vcs: 'github',
          org: 'acme',
          repo: 'walk',
          number: '1',
          name: 'X',
          requestId: ids.jobId,
          restrictionId: ids.restrictionId,
          workflowId: ids.workflowId,
          jobId: ids.jobId,
          task: '0',
          step: '0',
          id: kind(seg, segs[i - 1]) ?? randomUUID(),
          namespace: 'acme',
          version: '1.0.0',
          tokenId: '0123456789abcdef',
          orgId: ids.orgId,
          orgID: ids.orgId,
          projectID: ids.projectId,
          fingerprint: 'SHA256:none',
          branch: 'main',
        };
        if (!(name in fixed)) throw new Error(`The route walk does not know the parameter ${seg} of ${path}: add it.`);
        return fixed[name]!;
      })
      .join('/') + (QUERY(ids)[`${method} ${path}`] ?? '')
  );
}

describe('authorisation of every API route', () => {
  let server: DevServer;
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    server = await startDevServer();
    const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
    const project = (await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url })).body;
    ids.projectId = project.id;
    ids.orgId = project.organization_id;
    ids.pipelineId = (await server.api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' })).body.id;
    const { workflow, jobs } = await workflowOf(server, ids.pipelineId);
    ids.workflowId = workflow.id;
    ids.jobId = jobs.build.id;
    ids.contextId = (await server.api('POST', '/api/v2/context', { name: 'walk', owner: { slug: 'gh/acme' } })).body.id;
    await server.api('PUT', `/api/v2/context/${ids.contextId}/environment-variable/X`, { value: 'secret' });
    ids.restrictionId = (
      await server.api('POST', `/api/v2/context/${ids.contextId}/restrictions`, { restriction_type: 'project', restriction_value: ids.projectId })
    ).body.id;
    ids.scheduleId = (await server.api('POST', `/api/v2/project/${SLUG}/schedule`, bodyFor('POST', '/api/v2/project/:slug/schedule', ids))).body.id;
    ids.adminId = (await server.api('GET', '/api/v2/me')).body.id;
    for (const [login, role] of [
      ['nobody', null],
      ['watcher', 'viewer'],
    ] as const) {
      const user = await server.api('POST', '/api/v2/slipway/users', { login });
      expect(user.status).toBe(201);
      if (role) expect((await server.api('PUT', `/api/v2/slipway/users/${user.body.id}/roles`, { organization: 'gh/acme', role })).status).toBe(200);
      tokens[login] = (await server.api('POST', `/api/v2/slipway/users/${user.body.id}/tokens`, { label: 'walk' })).body.token;
    }
  }, 90_000);
  afterAll(async () => server?.stop());

  const routes = apiRoutes.filter((r) => !PUBLIC.has(r.path));

  it('refuses every route without a token and with a wrong token (401), whatever the body', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const path = concrete(r.method, r.path, ids);
      for (const token of [null, 'not-a-real-token']) {
        const res = await server.api(r.method, path, bodyFor(r.method, r.path, ids), token);
        if (res.status !== 401) wrong.push(`${r.method} ${r.path} with ${token ? 'a wrong' : 'no'} token: ${res.status} ${JSON.stringify(res.body)}`);
      }
      if (r.method === 'GET') continue;
      // An invalid body must not tell a caller without a valid token anything: still 401, not 400.
      const res = await server.api(r.method, path, ['not', 'an', 'object'], 'not-a-real-token');
      if (res.status !== 401) wrong.push(`${r.method} ${r.path} with a wrong token and an invalid body: ${res.status} ${JSON.stringify(res.body)}`);
    }
    // Runners present their token as a bearer token.
    const claim = await fetch(`${server.url}/runner/v1/claim`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-runner-token', 'content-type': 'application/json' },
      body: '[1]',
    });
    if (claim.status !== 401) wrong.push(`POST /runner/v1/claim with a wrong bearer token and an invalid body: ${claim.status} ${await claim.text()}`);
    expect(wrong).toEqual([]);
  });

  it('refuses every organisation route to a user without a role there, and every change to a viewer', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      if (OWN_AUTH(r.path) || ANY_USER.has(`${r.method} ${r.path}`)) continue;
      const path = concrete(r.method, r.path, ids);
      const outsider = await server.api(r.method, path, bodyFor(r.method, r.path, ids), tokens.nobody);
      if (![403, 404].includes(outsider.status)) wrong.push(`outsider ${r.method} ${r.path}: ${outsider.status} ${JSON.stringify(outsider.body)}`);
      if ((r.method === 'GET' && !ABOVE_VIEWER_READS.has(`${r.method} ${r.path}`)) || VIEWER_MAY.has(`${r.method} ${r.path}`)) continue;
      const viewer = await server.api(r.method, path, bodyFor(r.method, r.path, ids), tokens.watcher);
      if (![403, 404].includes(viewer.status)) wrong.push(`viewer ${r.method} ${r.path}: ${viewer.status} ${JSON.stringify(viewer.body)}`);
    }
    expect(wrong).toEqual([]);
    expect(routes.filter((r) => ABOVE_VIEWER_READS.has(`${r.method} ${r.path}`))).toHaveLength(ABOVE_VIEWER_READS.size);
    // The refusals were authorisation, not missing data: the admin still sees everything.
    expect((await server.api('GET', `/api/v2/workflow/${ids.workflowId}`)).status).toBe(200);
    expect((await server.api('GET', `/api/v2/context/${ids.contextId}`)).status).toBe(200);
  });

  it('lets a viewer read and any user see themselves', async () => {
    for (const path of [
      `/api/v2/project/${SLUG}/pipeline`,
      `/api/v2/pipeline/${ids.pipelineId}`,
      `/api/v2/workflow/${ids.workflowId}/job`,
      `/api/v2/context/${ids.contextId}/environment-variable`,
      `/api/v2/schedule/${ids.scheduleId}`,
    ]) {
      expect([path, (await server.api('GET', path, undefined, tokens.watcher)).status]).toEqual([path, 200]);
    }
    expect((await server.api('GET', '/api/v2/me', undefined, tokens.nobody)).body.login).toBe('nobody');
    const mine = await poll(async () => (await server.api('GET', '/api/v2/me/collaborations', undefined, tokens.watcher)).body, 'collaborations');
    expect(mine.map((c: any) => c.slug)).toEqual(['gh/acme']);
  });

  it('lists tokens without their secrets, revokes one by id, and signs out by revoking the token in use', async () => {
    const watcher = (await server.api('GET', '/api/v2/me', undefined, tokens.watcher)).body;
    const extra = (await server.api('POST', `/api/v2/slipway/users/${watcher.id}/tokens`, { label: 'laptop' })).body.token;
    const listed = await poll(async () => {
      const r = (await server.api('GET', `/api/v2/slipway/users/${watcher.id}/tokens`, undefined, tokens.watcher)).body;
      return r.items?.length === 2 ? r : undefined;
    }, 'two tokens listed');
    expect(listed.items.map((t: any) => t.label)).toEqual(['walk', 'laptop']);
    expect(JSON.stringify(listed)).not.toContain(extra);
    expect((await server.api('GET', `/api/v2/slipway/users/${watcher.id}/tokens`, undefined, tokens.nobody)).status).toBe(403);
    expect((await server.api('DELETE', `/api/v2/slipway/users/${watcher.id}/tokens/${listed.items[1].id}`, undefined, tokens.nobody)).status).toBe(403);

    // Revoked by id: it stops working at once; the other token goes on.
    expect((await server.api('DELETE', `/api/v2/slipway/users/${watcher.id}/tokens/${listed.items[1].id}`, undefined, tokens.watcher)).status).toBe(200);
    expect((await server.api('GET', '/api/v2/me', undefined, extra)).status).toBe(401);
    expect((await server.api('DELETE', `/api/v2/slipway/users/${watcher.id}/tokens/${listed.items[1].id}`, undefined, tokens.watcher)).status).toBe(404);

    // Signing out revokes the token the request carries, and only that one.
    const session = (await server.api('POST', `/api/v2/slipway/users/${watcher.id}/tokens`, { label: 'browser' })).body.token;
    expect((await server.api('DELETE', '/api/v2/me/token', undefined, session)).status).toBe(200);
    expect((await server.api('GET', '/api/v2/me', undefined, session)).status).toBe(401);
    expect((await server.api('GET', '/api/v2/me', undefined, tokens.watcher)).status).toBe(200);
  });
});
