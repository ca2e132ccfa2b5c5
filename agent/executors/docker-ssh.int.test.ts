import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, utils, type ClientChannel } from 'ssh2';
import type { JobSpec } from '../../shared/model/job-spec';
import { describeWithEngine, docker } from '../../test/support/container-engine';
import type { StepLogStream } from '../log-stream';
import { SshSteps } from '../ssh-steps';
import { DockerExecutor } from './docker';

jest.setTimeout(180_000);

const key = utils.generateKeyPairSync('ed25519');
const MARKER = '/etc/slipway-test-image';

function connectAs(port: number, privateKey: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () => resolve(client))
      .on('error', reject)
      .connect({ host: '127.0.0.1', port, username: 'circleci', privateKey, readyTimeout: 30_000 });
  });
}

/** Output and exit status of a channel. */
function drain(stream: ClientChannel): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => {
    let out = '';
    let code = -1;
    stream.on('data', (d: Buffer) => (out += d));
    stream.stderr.on('data', (d: Buffer) => (out += d));
    stream.on('exit', (c: number) => (code = c));
    stream.on('close', () => resolve({ out, code }));
  });
}

describeWithEngine('SSH into a docker executor job on a real engine', (engine) => {
  const saved = process.env.DOCKER_HOST;
  const root = mkdtempSync(join(tmpdir(), 'slipway-docker-ssh-'));
  const cwd = join(root, 'project');
  const taskId = `ssh-${process.pid}`;
  let executor: DockerExecutor;
  let steps: SshSteps;
  let port: number;

  beforeAll(async () => {
    process.env.DOCKER_HOST = engine.dockerHost;
    mkdirSync(join(root, 'scripts'));
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'checked-out.txt'), 'from the checkout\n');
    executor = new DockerExecutor(join(root, 'scripts'), {
      taskId,
      mount: root,
      workingDirectory: cwd,
      images: [{ image: engine.images.busybox, environment: { FROM_IMAGE: 'primary-env' } }],
    });
    await executor.setUp(() => undefined);
    const ssh: NonNullable<JobSpec['ssh']> = {
      authorizedKeys: [{ login: 'ada', publicKey: key.public }],
      idleSeconds: 1,
      maxSeconds: 600,
      bind: '127.0.0.1',
      host: '127.0.0.1',
    };
    steps = new SshSteps(ssh, { CIRCLE_JOB: 'build', JOB_VAR: 'job-env' }, cwd, executor, { projectSlug: 'gh/acme/app', number: 3 } as JobSpec['job']);
    const lines: string[] = [];
    await steps.run(steps.enableStep, { note: (l: string) => lines.push(l) } as unknown as StepLogStream, new AbortController().signal);
    port = Number(/\$ ssh -p (\d+) 127\.0\.0\.1/.exec(lines.join('\n'))![1]);
  });

  afterAll(async () => {
    await steps?.close();
    await executor?.shutdown();
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  });

  it('runs a command in the primary container, in the job directory with the job environment, returning its exit status', async () => {
    // The image's marker file exists in the container only.
    expect(existsSync(MARKER)).toBe(false);
    const client = await connectAs(port, key.private);
    try {
      const stream = await new Promise<ClientChannel>((resolve, reject) =>
        client.exec(`cat ${MARKER}; pwd; cat checked-out.txt; echo "$FROM_IMAGE $JOB_VAR $CIRCLE_JOB"; exit 5`, (e, s) => (e ? reject(e) : resolve(s))),
      );
      expect(await drain(stream)).toEqual({ out: `built for the Slipway tests\n${cwd}\nfrom the checkout\nprimary-env job-env build\n`, code: 5 });
    } finally {
      client.end();
    }
  });

  it('opens an interactive shell with a terminal inside the container', async () => {
    const client = await connectAs(port, key.private);
    try {
      const shell = await new Promise<ClientChannel>((resolve, reject) =>
        client.shell({ term: 'xterm', rows: 24, cols: 80 }, (e, s) => (e ? reject(e) : resolve(s))),
      );
      // What only the container has, a terminal (`tty` names a pty; `[ -t 0 ]` holds), and the shell's exit status.
      shell.write(`cat ${MARKER}; [ -t 0 ] && echo "a terminal: $(tty)"; echo "in $(hostname)"; exit 6\n`);
      const { out, code } = await drain(shell);
      expect(code).toBe(6);
      expect(out).toContain('built for the Slipway tests');
      expect(out).toMatch(/a terminal: \/dev\/pts\/\d+/);
      const containerHost = docker(engine, ['exec', `slipway-${taskId}-0`, 'hostname']).trim();
      expect(out).toContain(`in ${containerHost}`);
    } finally {
      client.end();
    }
  });

  it('writes into the job: a file made over SSH is there for the steps after (shared folder, same container)', async () => {
    const client = await connectAs(port, key.private);
    try {
      const stream = await new Promise<ClientChannel>((resolve, reject) =>
        client.exec('echo fixed > made-over-ssh.txt && touch /tmp/in-the-container', (e, s) => (e ? reject(e) : resolve(s))),
      );
      expect((await drain(stream)).code).toBe(0);
    } finally {
      client.end();
    }
    let output = '';
    const res = await executor.run({
      script: 'cat made-over-ssh.txt; ls /tmp/in-the-container',
      cwd,
      env: {},
      shell: '/bin/sh -e',
      onOutput: (d) => (output += d),
      signal: new AbortController().signal,
      noOutputTimeoutMs: 60_000,
    });
    expect({ exitCode: res.exitCode, output }).toEqual({ exitCode: 0, output: 'fixed\n/tmp/in-the-container\n' });
    expect(existsSync('/tmp/in-the-container')).toBe(false);
  });
});
