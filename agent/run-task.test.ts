import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutorPlan, StepPlan } from '../shared/config/plan';
import type { JobSpec, StepReport } from '../shared/model/job-spec';
import { ControlPlaneClient } from './client';
import { HostExecutor } from './executors/host';
import { runTask } from './run-task';

const run = (name: string, command: string, extra: Partial<StepPlan> = {}): StepPlan =>
  ({ type: 'run', name, command, environment: {}, background: false, noOutputTimeoutSeconds: 60, when: 'on_success', ...extra }) as StepPlan;

function spec(steps: StepPlan[], executor: ExecutorPlan = { type: 'machine', resourceClass: 'medium', images: [] }): JobSpec {
  return {
    protocol: 1,
    job: {
      id: 'f00dcafe-job',
      name: 'test',
      number: 7,
      workflowId: 'w',
      workflowName: 'ci',
      pipelineId: 'p',
      pipelineNumber: 3,
      projectSlug: 'gh/acme/app',
      buildUrl: 'http://x/7',
    },
    task: { index: 0, total: 1, attempt: 0 },
    plan: {
      name: 'test',
      definition: 'test',
      type: 'build',
      requires: [],
      contexts: [],
      executor,
      environment: {},
      workingDirectory: '~/project',
      parallelism: 1,
      steps,
    },
    environment: { CIRCLE_JOB: 'test' },
    secrets: [],
    checkout: { url: '', revision: '' },
    heartbeatSeconds: 15,
  };
}

/** The control plane (the agent's true external edge): serves the spec, takes reports, and answers `complete` with `completeStatus`. */
async function controlPlane(job: JobSpec, completeStatus = 200) {
  const completions: Array<{ status: string; steps: StepReport[] }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (req.url === '/runner/v1/task') return json(200, job);
      if (req.url?.startsWith('/runner/v1/task/cache/')) return json(403, { message: 'The cache bucket refused the request.' });
      if (req.url === '/runner/v1/task/complete') {
        completions.push(JSON.parse(body));
        return json(completeStatus, completeStatus === 200 ? {} : { message: 'Task already ended canceled; its token no longer writes.' });
      }
      json(200, { cancel: false });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new ControlPlaneClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'task-jwt');
  return { client, completions, close: () => server.close() };
}

async function runWith(job: JobSpec, completeStatus = 200, stop?: AbortSignal) {
  const plane = await controlPlane(job, completeStatus);
  const workRoot = mkdtempSync(join(tmpdir(), 'slipway-run-task-'));
  try {
    const result = await runTask({
      client: plane.client,
      workRoot,
      executorFactory: (scripts) => new HostExecutor(scripts),
      reportDelayMs: 5,
      log: { firstFlushMs: 5 },
      stop,
    }).then(
      (status) => ({ status }),
      (error: Error) => ({ error }),
    );
    return { ...result, completion: plane.completions[0], left: readdirSync(workRoot) };
  } finally {
    plane.close();
  }
}

describe('runTask', () => {
  it('removes the task folder when the completion is refused, and says why it failed', async () => {
    const r = await runWith(spec([run('Write into HOME', 'echo kept > "$HOME/file" && pwd')]), 409);
    expect(r).toMatchObject({ error: { message: expect.stringContaining('409 Task already ended canceled') } });
    expect(r.completion.status).toBe('success');
    expect(r.left).toEqual([]);
  });

  it('ends the task as canceled when the agent is asked to stop (SIGTERM), stopping the running step and removing the task folder', async () => {
    const stop = new AbortController();
    // The step itself asks: it has started, so the stop lands mid-step.
    const marker = join(mkdtempSync(join(tmpdir(), 'slipway-stop-')), 'started');
    const watch = setInterval(() => existsSync(marker) && stop.abort(), 20);
    const r = await runWith(spec([run('Long', `touch ${marker}; sleep 30`), run('Never', 'true')]), 200, stop.signal).finally(() => clearInterval(watch));
    expect(r).toMatchObject({ status: 'canceled' });
    expect(r.completion.steps.map((s) => [s.name, s.status])).toEqual([['Long', 'canceled']]);
    expect(r.left).toEqual([]);
  });

  it('removes the task folder after a completed task', async () => {
    const r = await runWith(spec([run('Hello', 'echo hello')]));
    expect(r).toMatchObject({ status: 'success' });
    expect(r.left).toEqual([]);
  });

  it('names why steps did not succeed, and reports none for those that did', async () => {
    const r = await runWith(spec([run('Pass', 'true'), run('Fail', 'exit 3'), run('Afterwards', 'true', { when: 'always' })]));
    expect(r).toMatchObject({ status: 'failed' });
    expect(r.completion.steps.map((s) => [s.name, s.status, s.exitCode, s.failureReason])).toEqual([
      ['Pass', 'success', 0, undefined],
      ['Fail', 'failed', 3, 'failed'],
      ['Afterwards', 'success', 0, undefined],
    ]);
  });

  it('names a step that failed under the agent (not a step error) an infrastructure failure', async () => {
    // The control plane refuses the cache request: the step fails in the agent's transfer, not in the job's commands.
    const r = await runWith(spec([{ type: 'save_cache', name: 'Saving cache', key: 'v1-x', paths: ['~/project'], when: 'on_success' } as StepPlan]));
    const step = r.completion.steps[0];
    expect([step.status, step.failureReason]).toEqual(['failed', 'infrastructure']);
  });

  it('starts a docker job with a spin_up_environment step that says, on the host, which image it does not use', async () => {
    const docker: ExecutorPlan = { type: 'docker', resourceClass: 'medium', images: [{ image: 'cimg/base:stable', environment: {} }] };
    const r = await runWith(spec([run('Hello', 'echo hello')], docker));
    expect(r.completion.steps.map((s) => [s.index, s.name, s.type, s.status])).toEqual([
      [0, 'Spin up environment', 'spin_up_environment', 'success'],
      [1, 'Hello', 'run', 'success'],
    ]);
    expect(r.completion.steps[0].output).toContain('Docker image cimg/base:stable is not used');
  });
});
