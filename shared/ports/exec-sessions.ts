/**
 * Shells into a running task that reach it by a path its agent cannot see: ECS Exec (SSM Session Manager) into a
 * Fargate task. The heartbeat of a job rerun with SSH asks, so the agent's idle wait follows those sessions too.
 */
export interface ExecSessions {
  /**
   * Whether a session into the task is active now (`computeId`: the task's compute id, an ECS task ARN on
   * Fargate). False for compute it does not know, and for a task whose container has not started yet.
   */
  active(computeId: string): Promise<boolean>;
}
