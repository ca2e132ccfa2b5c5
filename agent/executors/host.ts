import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOptions, RunResult, StepExecutor } from './executor';

/** CircleCI's default shell: bash with `-eo pipefail`, falling back to sh (without pipefail where sh lacks it, as dash does). */
export function defaultShell(): string {
  if (existsSync('/bin/bash')) return '/bin/bash -eo pipefail';
  shPipefail ??= spawnSync('/bin/sh', ['-c', 'set -o pipefail'], { stdio: 'ignore' }).status === 0;
  return shPipefail ? '/bin/sh -eo pipefail' : '/bin/sh -e';
}
let shPipefail: boolean | undefined;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs steps as processes on this machine (local mode, EC2 machine executor, self-hosted runners). Each step
 * runs in its own process group so cancel and timeouts end everything it started.
 */
export class HostExecutor implements StepExecutor {
  readonly name = 'host';
  private readonly background = new Set<ChildProcess>();
  private counter = 0;

  constructor(private readonly scriptDir: string) {}

  private start(options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): ChildProcess {
    const file = join(this.scriptDir, `step-${process.pid}-${this.counter++}.sh`);
    writeFileSync(file, options.script, { mode: 0o700 });
    const [cmd, ...args] = (options.shell ?? defaultShell()).split(/\s+/).filter(Boolean);
    const child = spawn(cmd, [...args, file], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', options.onOutput);
    child.stderr!.on('data', options.onOutput);
    return child;
  }

  run(options: RunOptions): Promise<RunResult> {
    return new Promise((resolve) => {
      let timedOut = false;
      let canceled = false;
      let child: ChildProcess;
      try {
        child = this.start({
          ...options,
          onOutput: (d) => {
            arm();
            options.onOutput(d);
          },
        });
      } catch (e) {
        options.onOutput(Buffer.from(`${(e as Error).message}\n`));
        return resolve({ exitCode: 127, timedOut, canceled });
      }
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          killGroup(child, 'SIGKILL');
        }, options.noOutputTimeoutMs);
      };
      arm();
      const onAbort = () => {
        canceled = true;
        killGroup(child, 'SIGTERM');
        setTimeout(() => killGroup(child, 'SIGKILL'), 5000).unref();
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) => options.onOutput(Buffer.from(`${e.message}\n`)));
      // Resolve on exit, not on close: a background process still holding stdout must not hang the step.
      child.on('exit', (code, signal) => {
        if (timer) clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          child.stdout?.destroy();
          child.stderr?.destroy();
          resolve({ exitCode: code ?? (signal ? 128 + 9 : null), timedOut, canceled });
        };
        const drain = setTimeout(finish, 200);
        child.stdout!.once('close', () => {
          clearTimeout(drain);
          finish();
        });
      });
    });
  }

  runBackground(options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): void {
    const child = this.start(options);
    this.background.add(child);
    child.on('exit', () => this.background.delete(child));
  }

  async shutdown(): Promise<void> {
    for (const child of this.background) killGroup(child, 'SIGKILL');
    this.background.clear();
  }
}
