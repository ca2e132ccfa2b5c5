import type { Job } from '../../model/entities';
import type { RunnerQueueKey } from '../../model/runner-queue';
import type { ControlPlaneDeps } from '../deps';
import type { DispatchMessage } from '../jobs/dispatch-task';

/**
 * Puts a task the reaper retried (a new attempt, queued) back where it waits for capacity: a self-hosted task
 * straight into its runner queue (where the compute port finds it, as after a dispatch), every other task to the
 * dispatcher. Idempotent: the queue entry is created once per attempt.
 */
export async function requeueRetriedTask(deps: Pick<ControlPlaneDeps, 'runners' | 'queue' | 'clock'>, job: Job, msg: DispatchMessage): Promise<void> {
  const executor = job.plan.executor;
  if (executor.type !== 'runner') return deps.queue.send('dispatch', msg);
  const entry: RunnerQueueKey = {
    resourceClass: executor.resourceClass,
    workflowId: msg.workflowId,
    jobId: msg.jobId,
    taskIndex: msg.taskIndex,
    attempt: msg.attempt,
  };
  await deps.runners.enqueue({ ...entry, queuedAt: deps.clock.now().toISOString() });
}
