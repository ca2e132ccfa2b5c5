import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { JobCompute, LaunchResult, TaskLaunch, TaskRef } from '../../ports/job-compute';

const launchKey = (task: Pick<TaskRef, 'jobId' | 'taskIndex' | 'attempt'>) => `${task.jobId}:${task.taskIndex}:${task.attempt}`;
/**
 * Runs each task as an agent process on this host (local mode). The agent runs `docker` jobs on the host too
 * (no Docker engine needed) and says so in its first output line. Idempotent per (job, task, attempt).
 *
 * With `prewarm`, one spare agent waits in standby mode; a launch hands it the task on stdin (the token never
 * enters a process environment) and starts the next spare, so a job does not wait for Node to boot.
 */
export class HostProcessCompute implements JobCompute {
  private readonly launched = new Map<string, number>();
  private spare: ChildProcess | undefined;
  private stopped = false;

  constructor(
    private readonly options: {
      /** argv that starts the agent, e.g. `[node, agent.cjs]` (the mode is appended). */
      agentCommand: string[];
      /** Folder under which each task gets its own HOME and working directory. */
      workRoot: string;
      prewarm?: boolean;
      /** More environment for every agent (e.g. `DOCKER_HOST`: the engine docker jobs use). */
      env?: Record<string, string>;
      onExit?: (task: TaskLaunch, code: number | null) => void;
    },
  ) {}

  private spawnAgent(mode: 'task' | 'standby', env: Record<string, string | undefined>): ChildProcess {
    const [cmd, ...args] = this.options.agentCommand;
    const child = spawn(cmd, [...args, mode], {
      detached: true,
      stdio: [mode === 'standby' ? 'pipe' : 'ignore', 'ignore', 'inherit'],
      env: { PATH: process.env.PATH, LANG: process.env.LANG ?? 'C.UTF-8', ...this.options.env, ...env },
    });
    child.on('error', () => undefined);
    child.unref();
    if (!child.pid) throw new Error(`Could not start the agent (${cmd}).`);
    return child;
  }

  /** Starts the standby agent for the next launch (no-op unless prewarming). */
  warm(): void {
    if (!this.options.prewarm || this.stopped || (this.spare && this.spare.exitCode === null && !this.spare.killed)) return;
    try {
      const spare = this.spawnAgent('standby', {});
      (spare.stdin as NodeJS.WritableStream & { unref?: () => void }).on('error', () => undefined);
      spare.on('exit', () => {
        if (this.spare === spare) this.spare = undefined;
      });
      this.spare = spare;
    } catch {
      this.spare = undefined;
    }
  }

  async launch(task: TaskLaunch): Promise<LaunchResult> {
    const key = launchKey(task);
    const existing = this.launched.get(key);
    if (existing) return { computeId: `local:${existing}` };
    let child: ChildProcess;
    const spare = this.spare;
    if (spare && spare.exitCode === null && !spare.killed && spare.stdin?.writable) {
      this.spare = undefined;
      spare.stdin.end(`${JSON.stringify({ url: task.controlPlaneUrl, token: task.taskToken, workRoot: this.options.workRoot })}\n`);
      child = spare;
    } else {
      child = this.spawnAgent('task', { SLIPWAY_URL: task.controlPlaneUrl, SLIPWAY_TASK_TOKEN: task.taskToken, SLIPWAY_WORK_ROOT: this.options.workRoot });
    }
    this.warm();
    this.launched.set(key, child.pid!);
    child.on('exit', (code) => {
      this.launched.delete(key);
      this.options.onExit?.(task, code);
    });
    return { computeId: `local:${child.pid}` };
  }

  /** The agent process of (job, task, attempt), while it runs (this instance's process table). */
  async find(task: TaskRef): Promise<string | undefined> {
    const pid = this.launched.get(launchKey(task));
    return pid ? `local:${pid}` : undefined;
  }

  /**
   * Signals the agent's process group, only when the id names an agent: one this instance started, or (after a
   * restart of the runtime) a process still running the agent command. A stale id whose pid the system gave to
   * another process, or any other id, is left alone.
   */
  async stop(computeId: string): Promise<void> {
    const match = /^local:(\d+)$/.exec(computeId);
    const pid = match ? Number(match[1]) : 0;
    if (pid <= 1 || !this.isAgent(pid)) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }

  private isAgent(pid: number): boolean {
    if ([...this.launched.values()].includes(pid)) return true;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const [cmd, ...args] = this.options.agentCommand;
      return argv[0] === cmd && args.every((a, i) => argv[i + 1] === a);
    } catch {
      return false;
    }
  }

  /** Stops every agent this instance started, and the spare (shutdown). */
  stopAll(): void {
    this.stopped = true;
    const pids = [...this.launched.values(), ...(this.spare?.pid ? [this.spare.pid] : [])];
    this.spare = undefined;
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}
