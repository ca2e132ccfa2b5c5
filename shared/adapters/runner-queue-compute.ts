import { RUNNER_COMPUTE_PREFIX, runnerComputeId } from '../model/runner-queue';
import type { Clock } from '../ports/clock';
import type { JobCompute, LaunchResult, TaskLaunch, TaskRef } from '../ports/job-compute';
import type { RunnerStore } from '../ports/runner-store';

/**
 * Routes tasks of self-hosted resource classes (`namespace/name`, executor type `runner`) to the runner
 * queue, where a `slipway runner` of that class claims them; every other task goes to `inner`. Idempotent per
 * (job, task, attempt) like every JobCompute.
 */
export class RunnerQueueCompute implements JobCompute {
  constructor(
    /** Compute for every other task (exposed for the local runtime's shutdown). */
    readonly inner: JobCompute,
    private readonly runners: RunnerStore,
    private readonly clock: Clock,
  ) {}

  async launch(task: TaskLaunch): Promise<LaunchResult> {
    if (task.executor.type !== 'runner') return this.inner.launch(task);
    const entry = {
      resourceClass: task.executor.resourceClass,
      workflowId: task.workflowId,
      jobId: task.jobId,
      taskIndex: task.taskIndex,
      attempt: task.attempt,
    };
    await this.runners.enqueue({ ...entry, queuedAt: this.clock.now().toISOString() });
    return { computeId: runnerComputeId(entry) };
  }

  /** A runner task's entry while it waits in the queue (a claimed entry is the runner's: nothing to find). */
  async find(task: TaskRef): Promise<string | undefined> {
    if (task.executor.type !== 'runner') return this.inner.find(task);
    const entry = (await this.runners.listQueued(task.executor.resourceClass)).find(
      (e) => e.jobId === task.jobId && e.taskIndex === task.taskIndex && e.attempt === task.attempt,
    );
    return (
      entry &&
      runnerComputeId({
        resourceClass: entry.resourceClass,
        workflowId: entry.workflowId,
        jobId: entry.jobId,
        taskIndex: entry.taskIndex,
        attempt: entry.attempt,
      })
    );
  }

  async stop(computeId: string, reason: string): Promise<void> {
    if (!computeId.startsWith(RUNNER_COMPUTE_PREFIX)) return this.inner.stop(computeId, reason);
    try {
      await this.runners.remove(JSON.parse(computeId.slice(RUNNER_COMPUTE_PREFIX.length)));
    } catch {
      // A malformed id names nothing to stop.
    }
  }
}
