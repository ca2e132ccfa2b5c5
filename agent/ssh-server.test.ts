import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client, utils } from 'ssh2';
import { sessionArgs } from './executors/docker';
import { JobSshServer } from './ssh-server';

const key = utils.generateKeyPairSync('ed25519');

function exec(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () =>
        client.exec(command, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => (out += d)).on('close', () => (client.end(), resolve(out)));
        }),
      )
      .on('error', reject)
      .connect({ host: '127.0.0.1', port, username: 'x', privateKey: key.private });
  });
}

describe('JobSshServer', () => {
  const servers: JobSshServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));
  const start = async (options: Partial<ConstructorParameters<typeof JobSshServer>[0]> = {}) => {
    const server = new JobSshServer({
      authorizedKeys: [{ login: 'ada', publicKey: key.public }],
      env: { WHO: 'job' },
      cwd: mkdtempSync(`${tmpdir()}/ssh-`),
      idleMs: 60_000,
      maxMs: 60_000,
      ...options,
    });
    servers.push(server);
    return { server, port: await server.listen('127.0.0.1') };
  };

  it('runs sessions where the executor says (a container) when it gives a session command', async () => {
    const seen: Array<{ command?: string; tty: boolean }> = [];
    const { port } = await start({
      sessionCommand: (o) => {
        seen.push({ command: o.command, tty: o.tty });
        return { argv: ['/bin/sh', '-c', `echo "in the container: $0 as $WHO"`, o.command ?? 'shell'], env: o.env };
      },
    });
    expect(await exec(port, 'ls')).toBe('in the container: ls as job\n');
    expect(seen).toEqual([{ command: 'ls', tty: false }]);
  });

  it('ends its wait when idle, at its time limit, or when the job is canceled', async () => {
    expect(await (await start({ idleMs: 1 })).server.waitUntilIdle()).toBe('idle');
    expect(await (await start({ idleMs: 60_000, maxMs: 1 })).server.waitUntilIdle()).toBe('max');
    const abort = new AbortController();
    const waiting = (await start()).server.waitUntilIdle(abort.signal);
    abort.abort();
    expect(await waiting).toBe('canceled');
  });
});

describe('sessionArgs (docker executor)', () => {
  it('execs a shell (bash when the image has it) or the command in the primary, in the job directory and environment', () => {
    const shell = 'if [ -x /bin/bash ]; then exec /bin/bash "$@"; else exec /bin/sh "$@"; fi';
    expect(sessionArgs({ container: 'p', cwd: '/w/project', env: { CIRCLE_JOB: 'build', PATH: '/host/bin' }, command: 'make test', tty: false })).toEqual([
      'exec',
      '-i',
      '-w',
      '/w/project',
      '-e',
      'CIRCLE_JOB=build',
      'p',
      '/bin/sh',
      '-c',
      shell,
      'sh',
      '-c',
      'make test',
    ]);
    expect(sessionArgs({ container: 'p', cwd: '/w', env: {}, tty: true })).toEqual(['exec', '-i', '-t', '-w', '/w', 'p', '/bin/sh', '-c', shell, 'sh']);
  });
});
