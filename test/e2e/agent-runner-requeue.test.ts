import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';

jest.setTimeout(90_000);

const CONFIG = `version: 2.1
jobs:
  on-runner:
    machine: true
    resource_class: acme/requeue
    steps:
      - run: echo "ran on attempt after crashes"
workflows:
  main:
    jobs: [on-runner]
`;

/** What a runner does first: claim a task with its runner token (then, here, it "crashes"). */
async function claim(server: DevServer, runnerToken: string): Promise<string> {
  const res = await fetch(`${server.url}/runner/v1/claim`, {
    method: 'POST',
    headers: { authorization: `Bearer ${runnerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'doomed-runner' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { task_token: string }).task_token;
}

const task = (server: DevServer, taskToken: string, method: string, path: string) =>
  fetch(`${server.url}/runner/v1/task${path}`, { method, headers: { authorization: `Bearer ${taskToken}`, 'content-type': 'application/json' } });

describe('runner requeue (slipway dev with a short lease)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
  const slug = 'gh/acme/runner-requeue';

  beforeAll(async () => {
    server = await startDevServer({ env: { SLIPWAY_LEASE_SECONDS: '2', SLIPWAY_CRON_SECONDS: '1', JOB_INFRA_RETRIES: '2' } });
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('returns a task to the runner queue when its runner dies after claiming it, before or after starting it', async () => {
    expect((await server.api('POST', '/api/v2/runner/resource', { resource_class: 'acme/requeue', desc: 'requeue' })).status).toBe(200);
    const runnerToken = (await server.api('POST', '/api/v2/runner/token', { resource_class: 'acme/requeue', nickname: 'e2e' })).body.token;
    const unclaimed = async () => (await server.api('GET', '/api/v3/runner/tasks?resource-class=acme/requeue')).body.unclaimed_task_count;
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    await waitFor(async () => ((await unclaimed()) === 1 ? true : undefined), 'the job to wait in the runner queue');

    // Runner 1 claims the task and dies before starting it.
    const first = await claim(server, runnerToken);
    expect(await unclaimed()).toBe(0);
    await waitFor(async () => ((await unclaimed()) === 1 ? true : undefined), 'the reaper to return the claimed task to the queue', 30_000);
    expect((await task(server, first, 'GET', '')).status).toBe(409);

    // Runner 2 claims it, starts it, and stops heart-beating.
    const second = await claim(server, runnerToken);
    expect((await task(server, second, 'GET', '')).status).toBe(200);
    expect((await task(server, second, 'POST', '/start')).status).toBe(200);
    await waitFor(async () => ((await unclaimed()) === 1 ? true : undefined), 'the reaper to return the silent task to the queue', 30_000);
    expect((await task(server, second, 'POST', '/start')).status).toBe(409);

    // A healthy runner then runs it to the end.
    const runner = spawn(
      process.execPath,
      [
        resolve(__dirname, '../../bin/slipway.js'),
        'runner',
        '--resource-class',
        'acme/requeue',
        '--token',
        runnerToken,
        '--url',
        server.url,
        '--name',
        'healthy',
        '--poll-seconds',
        '0.2',
        '--max-tasks',
        '1',
        '--work-dir',
        mkdtempSync(join(tmpdir(), 'slipway-runner-')),
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((r) => runner.on('exit', r));
    const job = await waitFor(
      async () => {
        const wf = (await server.api('GET', `/api/v2/pipeline/${trigger.body.id}/workflow`)).body.items?.[0];
        const jobs = wf && (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items;
        return ['success', 'failed', 'infrastructure_fail'].includes(jobs?.[0]?.status) ? jobs[0] : undefined;
      },
      'the healthy runner to run the job',
      60_000,
    );
    expect(await exited).toBe(0);
    expect(job.status).toBe('success');
  });
});
