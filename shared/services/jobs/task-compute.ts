import type { Job, TaskState } from '../../model/entities';
import type { TaskRef } from '../../ports/job-compute';
import type { ControlPlaneDeps } from '../deps';

/** The (job, task, attempt) and executor the compute port finds a task's unit by. */
export function taskRef(job: Job, task: TaskState): TaskRef {
  return { workflowId: job.workflowId, jobId: job.id, taskIndex: task.index, attempt: task.attempt, executor: job.plan.executor };
}

/**
 * The compute a task runs on or waits for: the machine instance its claim recorded, else the unit the compute
 * finds from (job, task, attempt) (the dispatcher records none: that write per task is saved). A lookup that
 * fails counts as none found.
 */
export async function findTaskCompute(deps: Pick<ControlPlaneDeps, 'compute'>, job: Job, task: TaskState): Promise<string | undefined> {
  if (task.computeId) return task.computeId;
  return deps.compute.find(taskRef(job, task)).catch(() => undefined);
}

/** Stops a task's compute, best effort: a unit that cannot be found or stopped is left to end on its own. */
export async function stopTaskCompute(deps: Pick<ControlPlaneDeps, 'compute'>, job: Job, task: TaskState, reason: string): Promise<void> {
  const computeId = await findTaskCompute(deps, job, task);
  if (computeId) await deps.compute.stop(computeId, reason).catch(() => undefined);
}

/** The job with the compute of each running task found (ECS task ARN, machine instance): what SSH access names. */
export async function withRunningCompute(deps: Pick<ControlPlaneDeps, 'compute'>, job: Job): Promise<Job> {
  const tasks = await Promise.all(job.tasks.map(async (t) => (t.status === 'running' ? { ...t, computeId: await findTaskCompute(deps, job, t) } : t)));
  return { ...job, tasks };
}
