import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';

const SLUG = 'gh/acme/inline-output';
const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: { name: Short, command: echo "short and sweet" }
      - run: { name: Long, command: seq 1 3000 }
workflows:
  main:
    jobs: [build]
`;

/** A job for a self-hosted runner: the test speaks the runner protocol itself. */
const RUNNER_SLUG = 'gh/acme/inline-output-limits';
const RUNNER_CONFIG = `version: 2.1
jobs:
  manual:
    machine: true
    resource_class: acme/inline
    steps:
      - run: echo hi
workflows:
  main:
    jobs: [manual]
`;

describe('small step output kept with the step (slipway dev end to end)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'README.md': 'inline output' });
  const runnerRepo = createTestRepo({ '.circleci/config.yml': RUNNER_CONFIG });

  beforeAll(async () => {
    server = await startDevServer();
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url })).status).toBe(201);
    expect((await server.api('POST', `/api/v2/project/${RUNNER_SLUG}`, { repo_url: runnerRepo.url })).status).toBe(201);
  }, 60_000);
  afterAll(() => server?.stop());

  /** The log objects the S3 emulator holds under a step's prefix (`logs/<job>/<task>/<attempt>/<step>/`). */
  const logObjects = (jobId: string, step: number) =>
    (readdirSync(join(server.dataDir, 's3'), { recursive: true }) as string[]).filter((p) =>
      p
        .split('\\')
        .join('/')
        .includes(`logs/${jobId}/0/0/${String(step).padStart(4, '0')}/`),
    );

  it('serves a short step from the job through output_url with no log object, and a long step from chunks', async () => {
    const pipeline = (await server.api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' })).body;
    const workflowId = await waitFor(
      async () => (await server.api('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).body.items?.[0]?.id as string | undefined,
      'the workflow',
    );
    await waitFor(
      async () => ((await server.api('GET', `/api/v2/workflow/${workflowId}`)).body.status === 'success' ? true : undefined),
      'the workflow to succeed',
      60_000,
    );
    const job = (await server.api('GET', `/api/v2/workflow/${workflowId}/job`)).body.items[0];
    const detail = await server.api('GET', `/api/v1.1/project/${SLUG}/${job.job_number}`);
    expect(detail.status).toBe(200);
    const action = (name: string) => detail.body.steps.find((s: any) => s.name === name).actions[0];
    const output = async (name: string) => (await (await fetch(action(name).output_url)).json()) as Array<{ message: string; type: string; time: string }>;

    const short = await output('Short');
    expect(short).toEqual([{ message: 'short and sweet\n', type: 'out', time: action('Short').end_time }]);
    expect(action('Short').has_output).toBe(true);
    expect(logObjects(job.id, action('Short').step)).toEqual([]);

    const long = await output('Long');
    expect(long.map((m) => m.message).join('')).toBe(`${Array.from({ length: 3000 }, (_, i) => i + 1).join('\n')}\n`);
    expect(action('Long').has_output).toBe(true);
    expect(logObjects(job.id, action('Long').step).length).toBeGreaterThan(0);
  }, 90_000);

  it('refuses inline output over 4 KB for a step or 16 KB for a job, and keeps output within the limits', async () => {
    expect((await server.api('POST', '/api/v2/runner/resource', { resource_class: 'acme/inline', desc: 'inline' })).status).toBe(200);
    const runnerToken = (await server.api('POST', '/api/v2/runner/token', { resource_class: 'acme/inline', nickname: 'e2e' })).body.token;
    const pipeline = (await server.api('POST', `/api/v2/project/${RUNNER_SLUG}/pipeline`, { branch: 'main' })).body;
    const workflowId = await waitFor(async () => {
      const wf = (await server.api('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).body.items?.[0];
      return wf && (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items?.[0]?.status === 'queued' ? (wf.id as string) : undefined;
    }, 'the job to wait in the runner queue');
    const claim = await fetch(`${server.url}/runner/v1/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${runnerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'e2e' }),
    });
    const token = ((await claim.json()) as { task_token: string }).task_token;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}/runner/v1/task${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    expect((await post('', undefined)).status).toBe(200);
    const at = new Date().toISOString();
    const step = (index: number, output: string) => ({
      index,
      name: `s${index}`,
      type: 'run',
      status: 'success',
      startedAt: at,
      stoppedAt: at,
      exitCode: 0,
      outputBytes: Buffer.byteLength(output),
      output,
    });

    const tooLong = await post('/steps', { steps: [step(0, 'é'.repeat(2049))] });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toMatch(/steps\.0\.output.*at most 4096 bytes/);
    const tooMuch = await post('/steps', { steps: Array.from({ length: 5 }, (_, i) => step(i, 'x'.repeat(4096))) });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.message).toMatch(/at most 16384 bytes/);

    const full = 'y'.repeat(4095) + '\n';
    expect((await post('/complete', { status: 'success', steps: [step(0, full), step(1, 'é\n')] })).status).toBe(200);
    await waitFor(
      async () => ((await server.api('GET', `/api/v2/workflow/${workflowId}`)).body.status === 'success' ? true : undefined),
      'the workflow to succeed',
    );
    const job = (await server.api('GET', `/api/v2/workflow/${workflowId}/job`)).body.items[0];
    const detail = (await server.api('GET', `/api/v1.1/project/${RUNNER_SLUG}/${job.job_number}`)).body;
    const served = await Promise.all(
      detail.steps.map(async (s: any) => ((await (await fetch(s.actions[0].output_url)).json()) as Array<{ message: string }>).map((m) => m.message)),
    );
    expect(served).toEqual([[full], ['é\n']]);
  }, 60_000);
});
