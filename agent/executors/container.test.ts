import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ContainerExecutor } from './container';

/** The shim runs on the host here, with a plain folder as the "shared volume"; no container needed. */
describe('ContainerExecutor with the POSIX sh shim', () => {
  let shim: ChildProcess;
  let shared: string;
  let executor: ContainerExecutor;
  beforeAll(() => {
    shared = mkdtempSync(join(tmpdir(), 'slipway-shim-'));
    shim = spawn('/bin/sh', [resolve(__dirname, '../container/shim.sh'), shared], { stdio: 'ignore' });
    executor = new ContainerExecutor(shared, { pollMs: 20 });
  });
  afterAll(() => {
    writeFileSync(join(shared, 'shutdown'), '');
    shim.kill();
  });

  const run = (script: string, extra: { env?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal; shell?: string } = {}) => {
    let out = '';
    return executor
      .run({
        script,
        shell: extra.shell,
        cwd: join(shared, 'work'),
        env: { PATH: '/nope', GREETING: "it's here", ...extra.env },
        onOutput: (d) => (out += d),
        signal: extra.signal ?? new AbortController().signal,
        noOutputTimeoutMs: extra.timeoutMs ?? 10_000,
      })
      .then((r) => ({ ...r, out }));
  };

  it('runs a script in its working directory with its environment and returns output and exit code', async () => {
    const r = await run('echo "$GREETING in $(basename "$PWD")"; echo err >&2; exit 3');
    expect(r).toEqual({ exitCode: 3, timedOut: false, canceled: false, out: "it's here in work\nerr\n" });
  });

  it('keeps the container PATH instead of the agent host PATH', async () => {
    expect((await run('command -v sh >/dev/null && echo found')).out).toBe('found\n');
  });

  it('stops a silent step after the no-output timeout', async () => {
    const r = await run('echo start; sleep 20', { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).not.toBe(0);
    expect(r.out).toBe('start\n');
  });

  it('stops a step on cancel', async () => {
    const abort = new AbortController();
    const pending = run('echo go; sleep 20', { signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    const r = await pending;
    expect(r.canceled).toBe(true);
    expect(r.exitCode).not.toBe(0);
  });
});
