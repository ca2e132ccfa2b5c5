import type { Job } from '../../model/entities';
import { runnerComputeId, type RunnerQueueKey } from '../../model/runner-queue';
import type { ControlPlaneDeps } from '../deps';
import type { DispatchMessage } from '../jobs/dispatch-task';

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
  const entry: RunnerQueueKey = {
    resourceClass: executor.resourceClass,
    workflowId: msg.workflowId,
    jobId: msg.jobId,
    taskIndex: msg.taskIndex,
    attempt: msg.attempt,
  };
  await deps.runners.enqueue({ ...entry, queuedAt: deps.clock.now().toISOString() });
  await deps.pipelines.updateTask(msg.workflowId, msg.jobId, msg.taskIndex, { status: 'queued', attempt: msg.attempt }, { computeId: runnerComputeId(entry) });
}
