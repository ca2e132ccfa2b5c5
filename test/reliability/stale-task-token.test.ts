import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { createTestRepo } from '../support/git-repo';

const CONFIG = `version: 2.1
jobs:
  build:
    machine: true
    resource_class: acme/stale
    steps: [{ run: echo hi }]
workflows:
  main:
    jobs: [build]
`;

const call = async (server: DevServer, token: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}/runner/v1/task${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
};

describe('reliability: a task token ends with its task', () => {
  let server: DevServer;
  let runnerToken: string;
  beforeAll(async () => {
    server = await startDevServer();
    for (const name of ['one', 'two'])
      expect((await server.api('POST', `/api/v2/project/gh/acme/${name}`, { repo_url: createTestRepo({ '.circleci/config.yml': CONFIG }).url })).status).toBe(
        201,
      );
    expect((await server.api('POST', '/api/v2/runner/resource', { resource_class: 'acme/stale', desc: 'stale tokens' })).status).toBe(200);
    runnerToken = (await server.api('POST', '/api/v2/runner/token', { resource_class: 'acme/stale', nickname: 'r' })).body.token;
  }, 90_000);
  afterAll(async () => server?.stop());

  /** Triggers the project's pipeline, claims its task with the runner token and accepts it. */
  async function runningTask(project: string): Promise<string> {
    await server.api('POST', `/api/v2/project/gh/acme/${project}/pipeline`, { branch: 'main' });
    const token = await waitFor(async () => {
      const claim = await fetch(`${server.url}/runner/v1/claim`, {
        method: 'POST',
        headers: { authorization: `Bearer ${runnerToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'r' }),
      });
      return claim.status === 200 ? ((await claim.json()) as { task_token: string }).task_token : undefined;
    }, `a task of ${project} to claim`);
    expect((await call(server, token, 'POST', '')).status).toBe(200);
    return token;
  }

  it('answers 409 and no URL on every route once the task completed, except a replay of its completion', async () => {
    const token = await runningTask('one');
    const live = await call(server, token, 'POST', '/cache/save', { key: 'deps-v1' });
    expect(live.status).toBe(200);
    // Presigned URLs live minutes, not hours.
    expect(Number(new URL(live.body.url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(600);
    expect((await fetch(live.body.url, { method: 'PUT', body: 'cache of one' })).status).toBe(200);
    expect((await call(server, token, 'POST', '/complete', { status: 'success', steps: [] })).status).toBe(200);

    const attempts: Array<[string, string, unknown?]> = [
      ['GET', ''],
      ['POST', ''],
      ['POST', '/start'],
      ['POST', '/heartbeat'],
      ['POST', '/steps', { steps: [], logUrls: { step: 0, from: 0, count: 1 } }],
      ['POST', '/log-urls', { step: 0, from: 0, count: 1 }],
      ['POST', '/cache/save', { key: 'planted' }],
      ['POST', '/cache/restore', { keys: ['deps-v1'] }],
      ['POST', '/workspace/persist'],
      ['POST', '/workspace/attach'],
      ['POST', '/artifacts', { paths: ['a.txt'] }],
      ['POST', '/test-results'],
      ['GET', '/timings'],
      ['POST', '/complete', { status: 'failed', steps: [] }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(server, token, method, path, body);
      expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 409 });
      expect(res.text).not.toMatch(/https?:\/\/[^"]*X-Amz-Signature/);
    }
    expect((await call(server, token, 'POST', '/complete', { status: 'success', steps: [] })).status).toBe(200);
  }, 90_000);

  it("never restores another project's cache, whatever key it asks for", async () => {
    const token = await runningTask('two');
    for (const keys of [['deps-v1'], ['deps'], ['../one/deps-v1'], ['/deps-v1']]) {
      const res = await call(server, token, 'POST', '/cache/restore', { keys });
      expect([res.status, res.body.url]).not.toEqual([200, expect.any(String)]);
    }
    const own = await call(server, token, 'POST', '/cache/save', { key: 'deps-v1' });
    expect(own.body).toEqual({ exists: false, url: expect.stringContaining('/caches/gh/acme/two/deps-v1') });
  }, 90_000);
});
