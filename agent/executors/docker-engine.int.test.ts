import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerImage } from '../../shared/config/plan';
import { describeWithEngine, docker, type TestEngine } from '../../test/support/container-engine';
import { waitFor } from '../../test/support/dev-server';
import type { RunOptions } from './executor';
import { OWNER_HOST_LABEL, OWNER_PID_LABEL, sweepOrphans, TASK_LABEL } from '../../shared/container/container-engine';
import { DockerExecutor } from './docker';
import { hostname } from 'node:os';

jest.setTimeout(120_000);

const image = (over: Partial<DockerImage> & { image: string }): DockerImage => ({ environment: {}, ...over });

/** Runs one script in the executor; resolves its output and result. */
async function run(executor: DockerExecutor, script: string, over: Partial<RunOptions> = {}) {
  let output = '';
  const result = await executor.run({
    script,
    cwd: '/',
    env: {},
    onOutput: (d) => (output += d),
    signal: new AbortController().signal,
    noOutputTimeoutMs: 60_000,
    ...over,
  });
  return { output, ...result };
}

const leftovers = (engine: TestEngine, taskId: string) =>
  docker(engine, ['ps', '-a', '--filter', `label=${TASK_LABEL}=${taskId}`, '--format', '{{.Names}}']).trim() +
  docker(engine, ['network', 'ls', '--filter', `label=${TASK_LABEL}=${taskId}`, '--format', '{{.Name}}']).trim();

describeWithEngine('docker executor on a real engine', (engine) => {
  const saved = process.env.DOCKER_HOST;
  beforeAll(() => {
    process.env.DOCKER_HOST = engine.dockerHost;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  });

  it('runs steps in the primary image with services on localhost and by name, honouring command, user and environment', async () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-docker-engine-'));
    mkdirSync(join(root, 'scripts'));
    const taskId = `it-${process.pid}-1`;
    const executor = new DockerExecutor(join(root, 'scripts'), {
      taskId,
      mount: root,
      images: [
        image({ image: engine.images.busybox, environment: { FROM_IMAGE: 'primary-env' } }),
        image({ image: engine.images.pong, name: 'db', command: ['7001'], user: 'circleci', environment: { PONG_GREETING: 'hello' } }),
        image({ image: engine.images.pong, name: 'cache', entrypoint: ['/bin/sh', '-c', 'while :; do echo entry | nc -l -p 7002; done'] }),
      ],
    });
    let spinUp = '';
    try {
      await executor.setUp((d) => (spinUp += d));
      expect(spinUp).toContain(`Using image ${engine.images.pong} from the local engine`);
      const until = (host: string, port: number) => `until out=$(nc ${host} ${port} </dev/null 2>/dev/null) && [ -n "$out" ]; do sleep 0.1; done; echo "$out"`;
      const res = await run(
        executor,
        [
          'cat /etc/slipway-test-image',
          'echo "$FROM_IMAGE $JOB_VAR $(pwd)"',
          until('localhost', 7001),
          until('db', 7001),
          until('cache', 7002),
          'echo "primary runs as $(id -un)"',
        ].join('\n'),
        { cwd: root, env: { JOB_VAR: 'job-env' }, shell: '/bin/sh -e' },
      );
      expect(res.exitCode).toBe(0);
      expect(res.output.split('\n')).toEqual([
        'built for the Slipway tests',
        `primary-env job-env ${root}`,
        'pong from circleci hello',
        'pong from circleci hello',
        'entry',
        'primary runs as root',
        '',
      ]);
    } finally {
      await executor.shutdown();
    }
    expect(leftovers(engine, taskId)).toBe('');
  });

  it('ends a canceled step inside the container', async () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-docker-engine-'));
    mkdirSync(join(root, 'scripts'));
    const taskId = `it-${process.pid}-2`;
    const executor = new DockerExecutor(join(root, 'scripts'), { taskId, mount: root, images: [image({ image: engine.images.busybox })] });
    try {
      await executor.setUp(() => undefined);
      const abort = new AbortController();
      const res = await run(executor, 'echo started; exec sleep 300', {
        shell: '/bin/sh -e',
        signal: abort.signal,
        onOutput: (d) => String(d).includes('started') && abort.abort(),
      });
      expect(res.canceled).toBe(true);
      // The step's process is ended inside the container (by the pid its exec recorded), not only its docker exec.
      await waitFor(
        async () => (docker(engine, ['exec', `slipway-${taskId}-0`, 'ps', '-o', 'args']).includes('sleep 300') ? undefined : true),
        'the canceled step to end in the container',
      );
    } finally {
      await executor.shutdown();
    }
    expect(leftovers(engine, taskId)).toBe('');
  });

  it('sweeps what a killed agent left: containers and the network of agents whose process is gone', async () => {
    const dead = await new Promise<number>((resolve) => {
      const child = spawn('true');
      child.on('exit', () => resolve(child.pid!));
    });
    const taskId = `it-${process.pid}-3`;
    const labels = [`${TASK_LABEL}=${taskId}`, `${OWNER_PID_LABEL}=${dead}`, `${OWNER_HOST_LABEL}=${hostname()}`].flatMap((l) => ['--label', l]);
    docker(engine, ['network', 'create', ...labels, `slipway-${taskId}`]);
    docker(engine, ['run', '-d', ...labels, '--name', `slipway-${taskId}-0`, '--network', `slipway-${taskId}`, engine.images.busybox, 'sleep', '300']);
    docker(engine, [
      'run',
      '-d',
      ...labels,
      '--name',
      `slipway-${taskId}-1`,
      '--network',
      `container:slipway-${taskId}-0`,
      engine.images.busybox,
      'sleep',
      '300',
    ]);
    expect(sweepOrphans({ ...process.env }).sort()).toEqual([`slipway-${taskId}`, `slipway-${taskId}-0`, `slipway-${taskId}-1`]);
    expect(leftovers(engine, taskId)).toBe('');
  });
});
