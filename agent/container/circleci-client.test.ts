import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunStep } from '../../shared/config/plan';
import type { JobSpec, StepReport } from '../../shared/model/job-spec';
import type { JobStatus } from '../../shared/model/statuses';
import { ControlPlaneClient } from '../client';
import { ContainerExecutor } from '../executors/container';
import { HostExecutor } from '../executors/host';
import { runTask } from '../run-task';
import { CIRCLECI_CLIENT, writeCircleciClient } from './circleci-client';

const SHIM = resolve(__dirname, 'shim.sh');
/** The host's in-job command: this agent's `circleci` mode, run from the sources (from any working directory). */
const HOST_COMMAND = [process.execPath, '--import', resolve(require.resolve('tsx/package.json'), '../dist/loader.mjs'), resolve(__dirname, '../main.ts')];

const step = (command: string, extra: Partial<RunStep> = {}): RunStep => ({
  type: 'run',
  name: command.split('\n')[0],
  command,
  environment: {},
  background: false,
  noOutputTimeoutSeconds: 60,
  when: 'on_success',
  ...extra,
});

function spec(steps: RunStep[], node: { index: number; total: number }): JobSpec {
  return {
    protocol: 1,
    job: {
      id: 'a1b2c3d4-job',
      name: 'test',
      number: 7,
      workflowId: 'w',
      workflowName: 'ci',
      pipelineId: 'p',
      pipelineNumber: 3,
      projectSlug: 'gh/acme/app',
      buildUrl: 'http://x/7',
    },
    task: { index: node.index, total: node.total, attempt: 0 },
    plan: {
      name: 'test',
      definition: 'test',
      type: 'build',
      requires: [],
      contexts: [],
      executor: { type: 'machine', resourceClass: 'medium', images: [] },
      environment: {},
      workingDirectory: '~/project',
      parallelism: node.total,
      steps,
    },
    environment: { CIRCLE_NODE_INDEX: String(node.index), CIRCLE_NODE_TOTAL: String(node.total), CIRCLE_JOB: 'test' },
    secrets: [],
    checkout: { url: '', revision: '' },
    heartbeatSeconds: 15,
  };
}

/** The control plane (the agent's true external edge): serves one spec, takes reports and logs, records the result. */
async function controlPlane(
  job: JobSpec,
): Promise<{ client: ControlPlaneClient; done: Promise<{ status: JobStatus; steps: StepReport[] }>; logs: string[]; close(): void }> {
  const logs: string[] = [];
  let finish!: (r: { status: JobStatus; steps: StepReport[] }) => void;
  const done = new Promise<{ status: JobStatus; steps: StepReport[] }>((r) => (finish = r));
  const server: Server = createServer((req, res) => {
    let body = '';
    const log = /^\/logs\/(\d+)\//.exec(req.url ?? '');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = (v: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.method === 'PUT' && log) logs[Number(log[1])] = (logs[Number(log[1])] ?? '') + body;
      if (req.method === 'PUT') return res.writeHead(200).end();
      if (req.url === '/runner/v1/task') return json(job);
      if (req.url === '/runner/v1/task/steps') {
        const r = JSON.parse(body) as { logUrls?: { step: number; from: number; count: number } };
        return json({
          cancel: false,
          logUrls: r.logUrls && Array.from({ length: r.logUrls.count }, (_, i) => `${base}/logs/${r.logUrls!.step}/${r.logUrls!.from + i}`),
        });
      }
      if (req.url === '/runner/v1/task/complete') finish(JSON.parse(body));
      if (req.url === '/runner/v1/task/timings') return json({ tests: TIMINGS });
      json({ cancel: false });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { client: new ControlPlaneClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'task-jwt'), done, logs, close: () => server.close() };
}

/** A Fargate-like layout on the host: a "shared volume" folder with the shim watching its steps folder. */
function volume(env: Record<string, string> = {}): { vol: string; steps: string; work: string; shim: ChildProcess; stop(): void } {
  const vol = mkdtempSync(join(tmpdir(), 'slipway-volume-'));
  const steps = join(vol, 'steps');
  mkdirSync(steps);
  const shim = spawn('/bin/sh', [SHIM, steps], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin', ...env } });
  return { vol, steps, work: join(vol, 'work'), shim, stop: () => (writeFileSync(join(steps, 'shutdown'), ''), shim.kill()) };
}

/** Runs a task with `steps` on the executor `make` gives (null: the host's); resolves its status and the step outputs it wrote to `out`. */
async function runJob(
  steps: RunStep[],
  node: { index: number; total: number },
  make: ((scripts: string) => ContainerExecutor | HostExecutor) | null,
  workRoot: string,
) {
  const plane = await controlPlane(spec(steps, node));
  try {
    const status = await runTask({
      client: plane.client,
      workRoot,
      executorFactory: make ?? ((scripts) => new HostExecutor(scripts)),
      circleciCommand: HOST_COMMAND,
      reportDelayMs: 20,
      log: { firstFlushMs: 10 },
    });
    const reported = await plane.done;
    // Each step's output: its uploaded chunks, or (small steps) the output its final report carried.
    const logs = reported.steps.map((st) => plane.logs[st.index] ?? st.output);
    return { status, reported, logs };
  } finally {
    plane.close();
  }
}

/** The previous run's results: one slow file, so a timings split differs from a split by name. */
const TIMINGS = [
  { classname: 'slow', name: 'a', file: 'src/c/four.test.js', result: 'success', run_time: 30 },
  { classname: 'quick', name: 'b', file: 'src/five.test.js', result: 'success', run_time: 1 },
];

const SOURCES =
  'mkdir -p src/a/b src/c lib && for f in src/a/one src/a/b/two src/a/b/three src/c/four src/five src/six src/c/seven; do : > "$f.test.js"; done && : > src/a/helper.js lib/x.test.js';

describe('the in-job circleci command in a container (shim on the host, a folder as the shared volume)', () => {
  let v: ReturnType<typeof volume>;
  const out = mkdtempSync(join(tmpdir(), 'slipway-client-out-'));
  beforeAll(() => {
    v = volume();
  });
  afterAll(() => v.stop());

  it('globs and splits through the agent exactly as the host executor does for the same node', async () => {
    const command = `${SOURCES}\ncircleci tests glob "src/**/*.test.js" | circleci tests split --split-by=name > "$OUT"
circleci tests glob "src/**/*.test.js" | circleci tests split --split-by=timings >> "$OUT"`;
    const node = { index: 1, total: 3 };
    const container = await runJob(
      [step(command, { environment: { OUT: join(out, 'container.txt') } })],
      node,
      () => new ContainerExecutor(v.steps, { pollMs: 20 }),
      v.work,
    );
    const host = await runJob([step(command, { environment: { OUT: join(out, 'host.txt') } })], node, null, mkdtempSync(join(tmpdir(), 'slipway-host-')));
    expect(container.status).toBe('success');
    expect(host.status).toBe('success');
    // Sorted names dealt round-robin: src/a/b/three, src/a/b/two, src/a/one, src/c/four, src/c/seven, src/five, src/six.
    // Then by timings (four 30 s, five 1 s, the others the 15.5 s average), heaviest first on the least-loaded node.
    expect(readFileSync(join(out, 'container.txt'), 'utf8')).toBe(
      'src/a/b/two.test.js\nsrc/c/seven.test.js\nsrc/a/b/three.test.js\nsrc/a/one.test.js\nsrc/five.test.js\n',
    );
    expect(readFileSync(join(out, 'container.txt'), 'utf8')).toBe(readFileSync(join(out, 'host.txt'), 'utf8'));
  });

  it('halts the job after `circleci step halt`, successfully, skipping the steps after it', async () => {
    const marker = join(out, 'after-halt');
    const r = await runJob(
      [step('circleci step halt'), step(`touch ${marker}`)],
      { index: 0, total: 1 },
      () => new ContainerExecutor(v.steps, { pollMs: 20 }),
      v.work,
    );
    expect(r.status).toBe('success');
    expect(r.reported.steps.map((s) => [s.name, s.status])).toEqual([['circleci step halt', 'success']]);
    expect(r.logs[0]).toBe('The job will stop (successfully) after this step.\n');
    expect(existsSync(marker)).toBe(false);
  });

  it('substitutes the step environment (exported in the step, with quotes and newlines), and runs `tests run` commands in the container', async () => {
    const result = join(out, 'subst.txt');
    const command = [
      `export GREETING="it's a \\"test\\" \\$HOME"; export MULTI='line one`,
      `line two'`,
      `echo 'say: $GREETING / \${MULTI}' | circleci env subst > "${result}"`,
      `circleci env subst 'node $CIRCLE_NODE_INDEX' >> "${result}"; echo >> "${result}"`,
      `printf 'b.js\\na.js\\nc.js\\n' | circleci tests run --split-by=name --command="cat > picked.txt; echo in \\$(basename \\$PWD) >> picked.txt" --verbose`,
      `cat picked.txt >> "${result}"`,
      `circleci tests run --command="exit 4" </dev/null || echo "tests run exited $?" >> "${result}"`,
    ].join('\n');
    const r = await runJob([step(command)], { index: 0, total: 2 }, () => new ContainerExecutor(v.steps, { pollMs: 20 }), v.work);
    expect(r.status).toBe('success');
    expect(r.logs[0]).toBe('Running 2 tests: a.js c.js\n');
    expect(readFileSync(result, 'utf8')).toBe(`say: it's a "test" $HOME / line one\nline two\nnode 0\na.js\nc.js\nin project\ntests run exited 4\n`);
  });

  it('refuses to glob a working directory or an absolute pattern the agent does not share with the container', async () => {
    const result = join(out, 'outside.txt');
    const command = `(cd / && circleci tests glob "*") 2> "${result}" || echo "exit $?" >> "${result}"
circleci tests glob "/etc/*" 2>> "${result}" || echo "exit $?" >> "${result}"
mkdir -p src && : > src/x.test.js && circleci tests glob "$PWD/src/*.js" | sed "s|^$PWD|.|" >> "${result}"`;
    const r = await runJob([step(command)], { index: 0, total: 1 }, () => new ContainerExecutor(v.steps, { pollMs: 20 }), v.work);
    expect(r.status).toBe('success');
    const shared = `only under ${v.work}/a1b2c3d4-job-0-0-${process.pid}; use the project directory (or another folder under those).`;
    expect(readFileSync(result, 'utf8')).toBe(
      `circleci: The working directory / is not shared with the Slipway agent, which sees the step's files ${shared}\nexit 1\n` +
        `circleci: The pattern /etc/* is not shared with the Slipway agent, which sees the step's files ${shared}\nexit 1\n./src/x.test.js\n`,
    );
  });
});

describe('the circleci client on its own', () => {
  it('is valid POSIX sh for dash and bash', () => {
    for (const sh of ['dash', 'bash']) expect(spawnSync(sh, ['-n'], { input: CIRCLECI_CLIENT }).status).toBe(0);
  });

  it('gives up with a clear message when no agent answers', () => {
    const taskData = mkdtempSync(join(tmpdir(), 'slipway-task-data-'));
    mkdirSync(join(taskData, 'requests'));
    const client = writeCircleciClient(mkdtempSync(join(tmpdir(), 'slipway-bin-')));
    const started = Date.now();
    const r = spawnSync(client, ['tests', 'glob', '*.js'], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', CIRCLE_INTERNAL_TASK_DATA: taskData, SLIPWAY_CIRCLECI_TIMEOUT_MS: '300' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^circleci: the Slipway agent did not answer within 300 ms \(request .*\/requests\/\d+-0\.req\)\. .*check that it is still running/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    // It marks its request as abandoned, so the agent cleans it up instead of answering it.
    expect(existsSync(join(taskData, 'requests', `${r.pid}-0.done`))).toBe(true);
  });

  it('says where it works when it is run outside a job', () => {
    const client = writeCircleciClient(mkdtempSync(join(tmpdir(), 'slipway-bin-')));
    const r = spawnSync(client, ['step', 'halt'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('circleci: this command works only inside a Slipway job step (CIRCLE_INTERNAL_TASK_DATA is not set).\n');
  });
});

describe('the shim without bash in the image', () => {
  it('sources $BASH_ENV before running a default-shell step with sh', async () => {
    const v = volume({ SLIPWAY_SHIM_BASH: '/nonexistent/bash' });
    try {
      const bashEnv = join(v.vol, 'bash_env');
      writeFileSync(bashEnv, 'export FROM_BASH_ENV=exported\nplain=set-too\n');
      let output = '';
      const r = await new ContainerExecutor(v.steps, { pollMs: 20 }).run({
        script: 'echo "$FROM_BASH_ENV $plain ${BASH_VERSION:-no-bash}"; false; echo not reached',
        cwd: join(v.vol, 'project'),
        env: { BASH_ENV: bashEnv },
        onOutput: (d) => (output += d),
        signal: new AbortController().signal,
        noOutputTimeoutMs: 10_000,
      });
      expect(output).toBe('exported set-too no-bash\n');
      expect(r.exitCode).toBe(1);
    } finally {
      v.stop();
    }
  });
});
