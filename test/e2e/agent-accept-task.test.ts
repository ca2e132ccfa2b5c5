import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';

jest.setTimeout(90_000);

const CONFIG = `version: 2.1
jobs:
  tested:
    machine: true
    resource_class: acme/accept
    steps:
      - run: echo tests
      - store_test_results: { path: results }
  plain:
    machine: true
    resource_class: acme/accept
    steps:
      - run: echo plain
workflows:
  main:
    jobs: [tested, plain]
`;

const task = (server: DevServer, token: string, method: string, path = '', body?: unknown) =>
  fetch(`${server.url}/runner/v1/task${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('accepting a task (POST /runner/v1/task: start and spec in one request)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
  const slug = 'gh/acme/accept-task';

  beforeAll(async () => {
    server = await startDevServer();
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('starts the task, answers its spec, hands a test-results URL only to a plan that stores them, and is safe to repeat', async () => {
    expect((await server.api('POST', '/api/v2/runner/resource', { resource_class: 'acme/accept', desc: 'accept' })).status).toBe(200);
    const runnerToken = (await server.api('POST', '/api/v2/runner/token', { resource_class: 'acme/accept', nickname: 'e2e' })).body.token;
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const jobs = async () => {
      const wf = (await server.api('GET', `/api/v2/pipeline/${trigger.body.id}/workflow`)).body.items?.[0];
      return wf ? ((await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items as Array<{ name: string; status: string }>) : undefined;
    };
    await waitFor(async () => ((await jobs())?.filter((j) => j.status === 'queued').length === 2 ? true : undefined), 'both jobs to wait in the runner queue');

    const accepted: Record<string, { token: string; body: any }> = {};
    for (let i = 0; i < 2; i++) {
      const claim = await fetch(`${server.url}/runner/v1/claim`, {
        method: 'POST',
        headers: { authorization: `Bearer ${runnerToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'e2e' }),
      });
      expect(claim.status).toBe(200);
      const token = ((await claim.json()) as { task_token: string }).task_token;
      const res = await task(server, token, 'POST');
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      accepted[body.job.name] = { token, body };
    }
    expect(Object.keys(accepted).sort()).toEqual(['plain', 'tested']);
    expect(accepted.tested.body).toMatchObject({ protocol: 1, started: true, task: { index: 0, total: 1, attempt: 0 } });
    expect(accepted.plain.body.started).toBe(true);
    expect(accepted.plain.body.testResultsUrl).toBeUndefined();

    // The URL is a working upload for this task's results document; the job lists what was put there.
    const results = { tests: [{ name: 't', classname: 'c', result: 'success', run_time: 0.1 }] };
    expect((await fetch(accepted.tested.body.testResultsUrl, { method: 'PUT', body: JSON.stringify(results) })).status).toBe(200);

    // Both tasks run now (no separate start request), and accepting again changes nothing.
    await waitFor(async () => ((await jobs())?.every((j) => j.status === 'running') ? true : undefined), 'both jobs to be running');
    const again = await task(server, accepted.tested.token, 'POST');
    expect(again.status).toBe(200);
    expect(((await again.json()) as any).job.id).toBe(accepted.tested.body.job.id);

    for (const { token } of Object.values(accepted))
      expect((await task(server, token, 'POST', '/complete', { status: 'success', steps: [] })).status).toBe(200);
    await waitFor(async () => ((await jobs())?.every((j) => j.status === 'success') ? true : undefined), 'both jobs to succeed');
    const number = (await server.api('GET', `/api/v2/pipeline/${trigger.body.id}/workflow`)).body.items[0];
    const tested = (await server.api('GET', `/api/v2/workflow/${number.id}/job`)).body.items.find((j: { name: string }) => j.name === 'tested');
    const tests = (await server.api('GET', `/api/v2/project/${slug}/${tested.job_number}/tests`)).body.items;
    expect(tests).toEqual([expect.objectContaining({ name: 't', classname: 'c', result: 'success' })]);

    // A task that has ended cannot be accepted again.
    expect((await task(server, accepted.plain.token, 'POST')).status).toBe(409);
  });
});
