import type { Job } from '../../model/entities';
import type { Clock } from '../../ports/clock';
import type { JobCompute, LaunchResult, TaskLaunch } from '../../ports/job-compute';
import type { RunnerQueueEntry, RunnerStore } from '../../ports/runner-store';
import type { ControlPlaneDeps } from '../deps';
import type { DispatchMessage } from '../jobs/dispatch-task';

const PREFIX = 'runner:';

type EntryKey = Omit<RunnerQueueEntry, 'queuedAt' | 'claimedBy' | 'claimedAt'>;

/** The compute id of a task waiting in (or claimed from) the runner queue: `stop` removes that entry. */
const runnerComputeId = (entry: EntryKey) => `${PREFIX}${JSON.stringify(entry)}`;

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

  async stop(computeId: string, reason: string): Promise<void> {
    if (!computeId.startsWith(PREFIX)) return this.inner.stop(computeId, reason);
    try {
      await this.runners.remove(JSON.parse(computeId.slice(PREFIX.length)));
    } catch {
      // A malformed id names nothing to stop.
    }
  }
}

/**
 * Puts a task the reaper retried (a new attempt, queued) back where it waits for capacity: a self-hosted task
 * straight into its runner queue (recording the entry as its compute, as a dispatch would), every other task
 * to the dispatcher. Idempotent: the queue entry is created once per attempt, and the compute id is recorded
 * only while the task is still queued at that attempt.
 */
export async function requeueRetriedTask(
  deps: Pick<ControlPlaneDeps, 'runners' | 'pipelines' | 'queue' | 'clock'>,
  job: Job,
  msg: DispatchMessage,
): Promise<void> {
  const executor = job.plan.executor;
  if (executor.type !== 'runner') return deps.queue.send('dispatch', msg);
  const entry: EntryKey = {
    resourceClass: executor.resourceClass,
    workflowId: msg.workflowId,
    jobId: msg.jobId,
    taskIndex: msg.taskIndex,
    attempt: msg.attempt,
  };
  await deps.runners.enqueue({ ...entry, queuedAt: deps.clock.now().toISOString() });
  await deps.pipelines.updateTask(msg.workflowId, msg.jobId, msg.taskIndex, { status: 'queued', attempt: msg.attempt }, { computeId: runnerComputeId(entry) });
}
