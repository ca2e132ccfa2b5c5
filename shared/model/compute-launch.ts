import { createHash } from 'node:crypto';

/** What names one launch: a task of a job at one attempt. Every compute adapter is idempotent on it. */
export interface LaunchKey {
  jobId: string;
  taskIndex: number;
  attempt: number;
}

/**
 * The idempotency token of a task launch: the same (job, task index, attempt) always yields the same token, so
 * ECS starts at most one task for it. 64 hex characters, the most `RunTask` accepts.
 */
export function launchToken(task: LaunchKey): string {
  return createHash('sha256').update(`${task.jobId}\u0000${task.taskIndex}\u0000${task.attempt}`).digest('hex');
}

/**
 * The `startedBy` of the Fargate task launched for (job, task index, attempt) (at most 36 characters, as ECS
 * allows): how the task is found again (`ListTasks`), and how an ECS event names the task it is about.
 */
export function launchStartedBy(task: LaunchKey): string {
  return `slipway-${launchToken(task).slice(0, 32)}`;
}
