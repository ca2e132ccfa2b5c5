import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOptions, RunResult, StepExecutor } from './executor';
import { openSpool, spoolDir, SpoolReader, type SpoolOptions } from './spool';
import type { RemoteEngine } from '../remote-engine';

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
 * runs in its own process group so cancel and timeouts end everything it started. Its stdout and stderr go to
 * one spool file the agent follows (`SpoolReader`): the step never waits on the agent. Subclasses change how
 * a step's script is started (`command`) and stopped (`stopStep`), e.g. `docker exec` in a container.
 */
export class HostExecutor implements StepExecutor {
  readonly name: string = 'host';
  /** The job's own engine for `setup_remote_docker` (started by that step, stopped with the executor). */
  remoteEngine?: RemoteEngine;
  private readonly background = new Map<ChildProcess, string>();
  private counter = 0;
  private readonly spools: string;

  constructor(
    protected readonly scriptDir: string,
    private readonly spoolOptions: SpoolOptions & { dir?: string } = {},
  ) {
    this.spools = spoolOptions.dir ?? spoolDir(scriptDir);
  }

  /** The command that runs `file` (the step's script) in the step's shell. */
  protected command(file: string, options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): StepCommand {
    const [cmd, ...args] = (options.shell ?? defaultShell()).split(/\s+/).filter(Boolean);
    return { cmd, args: [...args, file], cwd: options.cwd, env: options.env };
  }

  /** Ends what a step started beyond its own process group (nothing on the host). */
  protected stopStep(_file: string): void {}

  private start(options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): { child: ChildProcess; file: string; spool: SpoolReader } {
    const name = `step-${process.pid}-${this.counter++}`;
    const file = join(this.scriptDir, `${name}.sh`);
    writeFileSync(file, options.script, { mode: 0o700 });
    const c = this.command(file, options);
    const fds = openSpool(join(this.spools, `slipway-${name}.out`));
    let child: ChildProcess;
    try {
      child = spawn(c.cmd, c.args, { cwd: c.cwd, env: c.env, detached: true, stdio: ['ignore', fds.write, fds.write] });
    } catch (e) {
      closeSync(fds.read);
      throw e;
    } finally {
      closeSync(fds.write);
    }
    return { child, file, spool: new SpoolReader(fds.read, options.onOutput, { ...this.spoolOptions, ready: options.outputReady }).follow() };
  }

  run(options: RunOptions): Promise<RunResult> {
    return new Promise((resolve) => {
      let timedOut = false;
      let canceled = false;
      let started: ReturnType<HostExecutor['start']>;
      try {
        started = this.start(options);
      } catch (e) {
        options.onOutput(Buffer.from(`${(e as Error).message}\n`));
        return resolve({ exitCode: 127, timedOut, canceled });
      }
      const { child, file, spool } = started;
      // The no-output timer is re-armed only when it fires (not for every read of output: that is the hot path).
      let timer: NodeJS.Timeout | undefined;
      const arm = (ms: number) => {
        timer = setTimeout(() => {
          const silent = Date.now() - spool.lastOutputAt;
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
      let done = false;
      // On exit, not when the output closes: a background process still holding it must not hang the step.
      // Everything the step's own processes wrote is in the spool by then.
      const finish = (exitCode: number | null) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        spool.finish();
        resolve({ exitCode, timedOut, canceled });
      };
      child.on('error', (e) => {
        spool.finish();
        options.onOutput(Buffer.from(`${e.message}\n`));
        finish(127);
      });
      child.on('exit', (code, signal) => finish(code ?? (signal ? 128 + 9 : null)));
    });
  }

  runBackground(options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): void {
    const { child, file, spool } = this.start(options);
    this.background.set(child, file);
    const end = () => {
      spool.finish();
      this.background.delete(child);
    };
    child.on('exit', end);
    child.on('error', end);
  }

  async shutdown(): Promise<void> {
    for (const [child, file] of this.background) {
      killGroup(child, 'SIGKILL');
      this.stopStep(file);
    }
    this.background.clear();
    await this.remoteEngine?.stop();
  }

  /** Where the steps' `docker` commands reach the job's own engine after `setup_remote_docker`. */
  get remoteDockerHost(): string | undefined {
    return this.remoteEngine?.dockerHost;
  }
}
