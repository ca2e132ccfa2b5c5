import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FARGATE_TASK_LAYOUT } from '../../shared/model/resource-classes';
import { ContainerExecutor } from '../executors/container';
import { prepareSharedVolume, SHIM_SOURCE, type SharedVolumeLayout } from './entry';

/** The Fargate layout on a temporary folder instead of the /slipway volume: the primary command runs on the host. */
function layout(): { root: string; layout: SharedVolumeLayout; primaryCommand: string } {
  const root = mkdtempSync(join(tmpdir(), 'slipway-volume-'));
  const at = (p: string) => p.replace(FARGATE_TASK_LAYOUT.sharedMountPath, root);
  return {
    root,
    layout: { shimDir: at(FARGATE_TASK_LAYOUT.stepsDir), shimPath: at(FARGATE_TASK_LAYOUT.shimPath), workRoot: at(FARGATE_TASK_LAYOUT.workRoot) },
    primaryCommand: FARGATE_TASK_LAYOUT.primaryCommand.split(FARGATE_TASK_LAYOUT.sharedMountPath).join(root),
  };
}

describe('container entry', () => {
  it('installs the shim the waiting primary container starts, learns its user, and runs steps through it', async () => {
    const { layout: l, primaryCommand } = layout();
    // The primary container starts with the agent (dependsOn START) and waits for the shim.
    const primary = spawn('/bin/sh', ['-c', primaryCommand], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => primary.on('exit', (code) => resolve(code)));
    const user = await prepareSharedVolume(l, { pollMs: 20, waitMs: 20_000 });
    expect(user).toEqual({ uid: process.getuid!(), gid: process.getgid!() });
    expect(readFileSync(l.shimPath, 'utf8')).toBe(readFileSync(SHIM_SOURCE, 'utf8'));
    expect(existsSync(l.workRoot)).toBe(true);

    let out = '';
    const result = await new ContainerExecutor(l.shimDir, { pollMs: 20 }).run({
      script: 'echo "step in $(basename "$PWD")"',
      cwd: join(l.workRoot, 'project'),
      env: { PATH: '/usr/bin:/bin' },
      onOutput: (d) => (out += d),
      signal: new AbortController().signal,
      noOutputTimeoutMs: 10_000,
    });
    expect(result).toMatchObject({ exitCode: 0 });
    expect(out).toBe('step in project\n');

    writeFileSync(join(l.shimDir, 'shutdown'), '');
    expect(await exited).toBe(0);
  });

  it('gives up waiting for a shim that never starts and reports no user', async () => {
    const { layout: l } = layout();
    await expect(prepareSharedVolume(l, { pollMs: 10, waitMs: 100 })).resolves.toBeUndefined();
    expect(existsSync(l.shimPath)).toBe(true);
  });
});
