import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';

const CONFIG = `version: 2.1
jobs:
  on-runner:
    machine: true
    resource_class: acme/linux
    steps:
      - checkout
      - run: echo "ran on runner $CIRCLE_JOB in $(pwd)" && circleci env subst 'node $CIRCLE_NODE_INDEX'
workflows:
  main:
    jobs: [on-runner]
`;

describe('self-hosted runner (slipway runner end to end)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
  const slug = 'gh/acme/runner-demo';

  beforeAll(async () => {
    server = await startDevServer();
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('queues a self-hosted job until a runner of its class claims it, then runs it', async () => {
    const rc = await server.api('POST', '/api/v2/runner/resource', { resource_class: 'acme/linux', desc: 'Linux hosts' });
    expect(rc.status).toBe(200);
    expect(rc.body).toEqual({ id: expect.any(String), resource_class: 'acme/linux', description: 'Linux hosts' });
    expect((await server.api('POST', '/api/v2/runner/resource', { resource_class: 'acme/linux' })).status).toBe(409);
    const token = await server.api('POST', '/api/v2/runner/token', { resource_class: 'acme/linux', nickname: 'e2e' });
    expect(token.body).toEqual(expect.objectContaining({ token: expect.stringMatching(/^[0-9a-f]{80}$/), nickname: 'e2e', resource_class: 'acme/linux' }));
    const listed = await server.api('GET', '/api/v2/runner/token?resource-class=acme/linux');
    expect(JSON.stringify(listed.body)).not.toContain(token.body.token);

    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    await waitFor(async () => {
      const r = await server.api('GET', '/api/v3/runner/tasks?resource-class=acme/linux');
      return r.body.unclaimed_task_count === 1 ? true : undefined;
    }, 'the job to wait in the runner queue');

    const bad = await fetch(`${server.url}/runner/v1/claim`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{"name":"x"}' });
    expect(bad.status).toBe(401);

    const runner = spawn(
      process.execPath,
      [
        resolve(__dirname, '../../bin/slipway.js'),
        'runner',
        '--resource-class',
        'acme/linux',
        '--token',
        token.body.token,
        '--url',
        server.url,
        '--name',
        'e2e-host',
        '--poll-seconds',
        '0.2',
        '--max-tasks',
        '1',
        '--work-dir',
        mkdtempSync(join(tmpdir(), 'slipway-runner-')),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    runner.stdout.on('data', (d) => (out += d));
    runner.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => runner.on('exit', r));

    const job = await waitFor(
      async () => {
        const wf = (await server.api('GET', `/api/v2/pipeline/${trigger.body.id}/workflow`)).body.items?.[0];
        const jobs = wf && (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items;
        return jobs?.[0]?.status === 'success' || jobs?.[0]?.status === 'failed' ? jobs[0] : undefined;
      },
      'the runner to run the job',
      60_000,
    );
    expect(await exited).toBe(0);
    expect(job.status).toBe('success');
    expect(out).toContain('Task finished: success');
    const detail = await server.api('GET', `/api/v1.1/project/gh/acme/runner-demo/${job.job_number}`);
    const last = detail.body.steps[detail.body.steps.length - 1].actions[0];
    const text = ((await (await fetch(last.output_url)).json()) as Array<{ message: string }>).map((m) => m.message).join('');
    expect(text).toMatch(/ran on runner on-runner in \S+slipway-runner-\S+\/project\nnode 0/);
    const runners = await server.api('GET', '/api/v3/runner?resource-class=acme/linux');
    expect(runners.body.items).toEqual([expect.objectContaining({ name: 'e2e-host', resource_class: 'acme/linux' })]);
    expect((await server.api('GET', '/api/v3/runner/tasks?resource-class=acme/linux')).body.unclaimed_task_count).toBe(0);
  }, 120_000);
});
