import type { Job, TaskState } from '../../model/entities';
import { launchStartedBy } from '../../model/compute-launch';
import type { ControlPlaneDeps } from '../deps';
import { reconcile, type ReaperOptions } from './reconcile';

export interface ComputeLostReport {
  computeId: string;
  /** Tasks that ran (or waited) on that compute. */
  tasks: number;
  /** Of those, retried as a new attempt (the rest ended `infrastructure_fail`, their retries spent). */
  retried: number;
}

/**
 * The compute of some tasks is gone or going (a Spot interruption, an instance terminating, a Fargate task that
 * stopped): those tasks lose their agent. The reaper's own path handles them at once instead of after the lease:
 * retried as a new attempt while infrastructure retries remain (once, by default), else `infrastructure_fail`,
 * with `reason` as the job's message. Idempotent: a second event finds no task there (the retry cleared its
 * compute id, and moved it to a new attempt, which another `startedBy` names; a finished task is no longer active).
 *
 * The tasks on that compute: those whose claim recorded it (`machine:<instance id>`), and, with `startedBy` (a
 * Fargate task's, from ECS's event), the task whose (job, task, attempt) launch gave that `startedBy`.
 */
export async function handleComputeLost(
  deps: ControlPlaneDeps,
  computeId: string,
  reason: string | undefined,
  options: Partial<ReaperOptions> = {},
  startedBy?: string,
): Promise<ComputeLostReport> {
  const key = (job: Job, task: TaskState) => `${job.id}#${task.index}#${task.attempt}`;
  const on = (job: Job, task: TaskState) =>
    task.computeId === computeId || (!!startedBy && launchStartedBy({ jobId: job.id, taskIndex: task.index, attempt: task.attempt }) === startedBy);
  const claimed = (await deps.pipelines.listActiveJobs()).flatMap((job) =>
    job.tasks.filter((t) => on(job, t) && (t.status === 'running' || t.status === 'queued')).map((task) => ({ job, task })),
  );
  if (claimed.length === 0) return { computeId, tasks: 0, retried: 0 };
  const lost = new Set(claimed.map(({ job, task }) => key(job, task)));
  const report = await reconcile(deps, {
    ...options,
    workflowIds: [...new Set(claimed.map(({ job }) => job.workflowId))],
    lost: (job, task) => on(job, task) && lost.has(key(job, task)),
    lostReason: reason,
  });
  return { computeId, tasks: claimed.length, retried: report.tasksRetried };
}
