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

/** How one step's script is started: a program, its arguments, and where and with what environment. */
export interface StepCommand {
  cmd: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
}

/**
 * Runs steps as processes on this machine (local mode, EC2 machine executor, self-hosted runners). Each step
 * runs in its own process group so cancel and timeouts end everything it started. Subclasses change how a
 * step's script is started (`command`) and stopped (`stopStep`), e.g. `docker exec` in a container.
 */
export class HostExecutor implements StepExecutor {
  readonly name: string = 'host';
  private readonly background = new Map<ChildProcess, string>();
  private counter = 0;

  constructor(protected readonly scriptDir: string) {}

  /** The command that runs `file` (the step's script) in the step's shell. */
  protected command(file: string, options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): StepCommand {
    const [cmd, ...args] = (options.shell ?? defaultShell()).split(/\s+/).filter(Boolean);
    return { cmd, args: [...args, file], cwd: options.cwd, env: options.env };
  }

  /** Ends what a step started beyond its own process group (nothing on the host). */
  protected stopStep(_file: string): void {}

  private start(options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): { child: ChildProcess; file: string } {
    const file = join(this.scriptDir, `step-${process.pid}-${this.counter++}.sh`);
    writeFileSync(file, options.script, { mode: 0o700 });
    const c = this.command(file, options);
    const child = spawn(c.cmd, c.args, { cwd: c.cwd, env: c.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', options.onOutput);
    child.stderr!.on('data', options.onOutput);
    return { child, file };
  }

  run(options: RunOptions): Promise<RunResult> {
    return new Promise((resolve) => {
      let timedOut = false;
      let canceled = false;
      let child: ChildProcess;
      let file: string;
      // The no-output timer is re-armed only when it fires (not for every chunk of output: that is the hot path).
      let lastOutput = Date.now();
      try {
        ({ child, file } = this.start({
          ...options,
          onOutput: (d) => {
            lastOutput = Date.now();
            options.onOutput(d);
          },
        }));
      } catch (e) {
        options.onOutput(Buffer.from(`${(e as Error).message}\n`));
        return resolve({ exitCode: 127, timedOut, canceled });
      }
      let timer: NodeJS.Timeout | undefined;
      const arm = (ms: number) => {
        timer = setTimeout(() => {
          const silent = Date.now() - lastOutput;
          if (silent < options.noOutputTimeoutMs) return arm(options.noOutputTimeoutMs - silent);
          timedOut = true;
          killGroup(child, 'SIGKILL');
          this.stopStep(file);
        }, ms);
      };
      arm(options.noOutputTimeoutMs);
      const onAbort = () => {
        canceled = true;
        killGroup(child, 'SIGTERM');
        this.stopStep(file);
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
    const { child, file } = this.start(options);
    this.background.set(child, file);
    child.on('exit', () => this.background.delete(child));
  }

  async shutdown(): Promise<void> {
    for (const [child, file] of this.background) {
      killGroup(child, 'SIGKILL');
      this.stopStep(file);
    }
    this.background.clear();
  }
}
