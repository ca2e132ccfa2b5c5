/**
 * Shells into a running task that reach it by a path its agent cannot see: ECS Exec (SSM Session Manager) into a
 * Fargate task. The heartbeat of a job rerun with SSH asks, so the agent's idle wait follows those sessions too.
 */
export interface ExecSessions {
  /**
   * Whether a session into the task is active now. `task.ref` names the task attempt (its answer is remembered
   * by it); `task.computeId` finds its compute (an ECS task ARN on Fargate), called only when an answer is due
   * and until it finds one. False for compute it does not know, and for a task whose container has not started.
   */
  active(task: { ref: string; computeId: () => Promise<string | undefined> }): Promise<boolean>;
}
