import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { createTestRepo } from '../support/git-repo';

const SECRET = 'probe-secret-4f1c9a';
const config = (resourceClass: string) => `version: 2.1
jobs:
  build:
    machine: true
    resource_class: ${resourceClass}
    steps: [{ run: echo "$PROBE_SECRET" }]
workflows:
  main:
    jobs: [build]
`;

/**
 * The runner class `examples/rc` is created by the admin of gh/examples; projects of another organisation
 * (gh/probe) and of another VCS provider's organisation of the same name (bb/examples) name it in their config.
 */
describe('reliability: a runner class belongs to one organisation', () => {
  let server: DevServer;
  let examplesAdmin: string;
  let examplesAdminId: string;
  let runnerToken: string;
  beforeAll(async () => {
    server = await startDevServer();
    const user = (await server.api('POST', '/api/v2/slipway/users', { login: 'examples-admin' })).body;
    expect((await server.api('PUT', `/api/v2/slipway/users/${user.id}/roles`, { organization: 'gh/examples', role: 'admin' })).status).toBe(200);
    examplesAdmin = (await server.api('POST', `/api/v2/slipway/users/${user.id}/tokens`, { label: 'x' })).body.token;
    examplesAdminId = user.id;
    expect((await server.api('POST', '/api/v2/runner/resource', { resource_class: 'examples/rc', desc: 'examples only' }, examplesAdmin)).status).toBe(200);
    runnerToken = (await server.api('POST', '/api/v2/runner/token', { resource_class: 'examples/rc', nickname: 'r' }, examplesAdmin)).body.token;
  }, 90_000);
  afterAll(async () => server?.stop());

  const claim = () =>
    fetch(`${server.url}/runner/v1/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${runnerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'r' }),
    });

  it.each(['gh/probe/runner', 'bb/examples/runner'])(
    'fails a job of %s naming the class, never handing it (or its secrets) to the runner',
    async (slug) => {
      expect(
        (await server.api('POST', `/api/v2/project/${slug}`, { repo_url: createTestRepo({ '.circleci/config.yml': config('examples/rc') }).url })).status,
      ).toBe(201);
      expect((await server.api('POST', `/api/v2/project/${slug}/envvar`, { name: 'PROBE_SECRET', value: SECRET })).status).toBe(201);
      const pipeline = (await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' })).body;
      const job = await waitFor(async () => {
        const wf = (await server.api('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).body.items?.[0];
        const j = wf && (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items?.[0];
        return j && j.status === 'failed' ? j : undefined;
      }, 'the job to fail');
      const org = slug.split('/').slice(0, 2).join('/');
      const detail = (await server.api('GET', `/api/v2/project/${slug}/job/${job.job_number}`)).body;
      expect(detail.messages).toEqual([
        expect.objectContaining({
          type: 'error',
          message: expect.stringContaining(`Resource class examples/rc belongs to the organisation gh/examples; jobs of ${org} cannot run on it.`),
        }),
      ]);

      const res = await claim();
      expect(res.status).toBe(204);
      expect(await res.text()).not.toContain(SECRET);
    },
    90_000,
  );

  it("runs a job of the class's own organisation on it", async () => {
    const slug = 'gh/examples/app';
    expect(
      (await server.api('POST', `/api/v2/project/${slug}`, { repo_url: createTestRepo({ '.circleci/config.yml': config('examples/rc') }).url })).status,
    ).toBe(201);
    await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const token = await waitFor(async () => {
      const res = await claim();
      return res.status === 200 ? ((await res.json()) as { task_token: string }).task_token : undefined;
    }, 'the task to be claimable');
    const spec = await fetch(`${server.url}/runner/v1/task`, { headers: { authorization: `Bearer ${token}` } });
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as { job: { projectSlug: string } }).job.projectSlug).toBe(slug);
  }, 90_000);

  it('refuses to let the admin of another organisation named alike manage the class or see its users', async () => {
    const user = (await server.api('POST', '/api/v2/slipway/users', { login: 'bb-admin' })).body;
    await server.api('PUT', `/api/v2/slipway/users/${user.id}/roles`, { organization: 'bb/examples', role: 'admin' });
    const bbAdmin = (await server.api('POST', `/api/v2/slipway/users/${user.id}/tokens`, { label: 'x' })).body.token;
    const res = await server.api('POST', '/api/v2/runner/token', { resource_class: 'examples/rc', nickname: 'stolen' }, bbAdmin);
    expect(res.status).toBe(403);
    expect((await server.api('GET', '/api/v2/runner/resource?namespace=examples', undefined, bbAdmin)).body.items).toEqual([]);
    // Users, too, are visible only within their organisations.
    expect((await server.api('GET', `/api/v2/user/${examplesAdminId}`, undefined, bbAdmin)).status).toBe(404);
    expect((await server.api('GET', `/api/v2/user/${user.id}`, undefined, bbAdmin)).status).toBe(200);
    expect((await server.api('GET', `/api/v2/user/${examplesAdminId}`)).status).toBe(200);
  }, 30_000);
});
