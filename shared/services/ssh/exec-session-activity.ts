import type { Job } from '../../model/entities';
import type { ControlPlaneDeps } from '../deps';
import { findTaskCompute } from '../jobs/task-compute';

/**
 * Whether someone has an ECS Exec shell open in a task of a job rerun with SSH (Fargate: `slipway ssh` execs into
 * the task through Session Manager, past the agent's SSH server, so the agent cannot see it). The heartbeat reply
 * says so (`sshActive`) and the agent counts it as a session in its idle wait. Only asked for a running task of
 * an SSH rerun with an ECS task as its compute; a failed check is no activity (the heartbeat never fails for it).
 */
export async function execSessionActive(deps: Pick<ControlPlaneDeps, 'execSessions' | 'compute'>, job: Job, taskIndex: number): Promise<boolean> {
  const task = job.tasks[taskIndex];
  if (!job.sshRerun || !deps.execSessions || task?.status !== 'running') return false;
  try {
    // The dispatcher records no compute: the task's unit is found from (job, task, attempt) (ECS: by startedBy),
    // only when the adapter's remembered answer for this attempt is due (at most once a minute).
    return await deps.execSessions.active({ ref: `${job.id}:${taskIndex}:${task.attempt}`, computeId: () => findTaskCompute(deps, job, task) });
  } catch {
    return false;
  }
}
