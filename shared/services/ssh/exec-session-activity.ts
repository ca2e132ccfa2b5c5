import type { Job } from '../../model/entities';
import type { ControlPlaneDeps } from '../deps';

/**
 * Whether someone has an ECS Exec shell open in a task of a job rerun with SSH (Fargate: `slipway ssh` execs into
 * the task through Session Manager, past the agent's SSH server, so the agent cannot see it). The heartbeat reply
 * says so (`sshActive`) and the agent counts it as a session in its idle wait. Only asked for a running task of
 * an SSH rerun with an ECS task as its compute; a failed check is no activity (the heartbeat never fails for it).
 */
export async function execSessionActive(deps: Pick<ControlPlaneDeps, 'execSessions'>, job: Job, taskIndex: number): Promise<boolean> {
  const computeId = job.tasks[taskIndex]?.computeId;
  if (!job.sshRerun || !deps.execSessions || !computeId?.includes(':ecs:')) return false;
  try {
    return await deps.execSessions.active(computeId);
  } catch {
    return false;
  }
}
