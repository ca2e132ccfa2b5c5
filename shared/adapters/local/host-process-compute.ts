import { spawn } from 'node:child_process';
import type { JobCompute, LaunchResult, TaskLaunch } from '../../ports/job-compute';

/**
 * Runs each task as an agent process on this host (local mode). The agent runs `docker` jobs on the host too
 * (no Docker engine needed) and says so in its first output line. Idempotent per (job, task, attempt).
 */
export class HostProcessCompute implements JobCompute {
  private readonly launched = new Map<string, number>();
  constructor(
    private readonly options: {
      /** argv that starts the agent in task mode, e.g. `[node, agent.cjs]`. */
      agentCommand: string[];
      /** Folder under which each task gets its own HOME and working directory. */
      workRoot: string;
      onExit?: (task: TaskLaunch, code: number | null) => void;
    },
  ) {}

  async launch(task: TaskLaunch): Promise<LaunchResult> {
    const key = `${task.jobId}:${task.taskIndex}:${task.attempt}`;
    const existing = this.launched.get(key);
    if (existing) return { computeId: `local:${existing}` };
    const [cmd, ...args] = this.options.agentCommand;
    const child = spawn(cmd, [...args, 'task'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        LANG: process.env.LANG ?? 'C.UTF-8',
        SLIPWAY_URL: task.controlPlaneUrl,
        SLIPWAY_TASK_TOKEN: task.taskToken,
        SLIPWAY_WORK_ROOT: this.options.workRoot,
      },
    });
    child.unref();
    if (!child.pid) throw new Error(`Could not start the agent (${cmd}).`);
    this.launched.set(key, child.pid);
    child.on('exit', (code) => {
      this.launched.delete(key);
      this.options.onExit?.(task, code);
    });
    return { computeId: `local:${child.pid}` };
  }

  async stop(computeId: string): Promise<void> {
    const pid = Number(computeId.replace(/^local:/, ''));
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }

  /** Stops every agent this instance started (shutdown). */
  stopAll(): void {
    for (const pid of this.launched.values()) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}
