// Workflow events and the job lifecycle's side effects (metrics, the JobFinished notification): what every use
// case that moves a job sends to the conductor. Kept apart from advance-workflow.ts (the conductor itself), so
// senders do not depend on the conductor and the conductor's helpers (serial groups) can send too.
import type { Job } from '../../model/entities';
import type { JobStatus } from '../../model/statuses';
import type { WorkflowEvent } from '../../workflow/reducer';
import type { ControlPlaneDeps } from '../deps';

export type { WorkflowMessage } from '../../model/messages';

/** Sends an event to the conductor (FIFO group = workflow). */
export function sendWorkflowEvent(deps: Pick<ControlPlaneDeps, 'queue'>, workflowId: string, event: WorkflowEvent, dedupeId?: string) {
  return deps.queue.send('events', { workflowId, event }, { groupId: workflowId, deduplicationId: dedupeId });
}

/** After the write that started a job (the conductor's StartJob, or its first task's start): the dashboard's metrics. */
export function recordJobStarted(deps: Pick<ControlPlaneDeps, 'metrics'>, job: Pick<Job, 'queuedAt'>, startedAt: string): void {
  deps.metrics?.record('JobsStarted', 1);
  if (job.queuedAt) deps.metrics?.record('QueueWaitMs', Math.max(0, Date.parse(startedAt) - Date.parse(job.queuedAt)));
}

/**
 * After the write that finished a job (the conductor's FinishJob, or a one-task job's completion): the
 * dashboard's metrics and the JobFinished notification (commit statuses and the like).
 */
export async function announceJobFinished(
  deps: Pick<ControlPlaneDeps, 'metrics' | 'queue'>,
  workflowId: string,
  jobId: string,
  status: JobStatus,
  at: { startedAt?: string; stoppedAt: string },
): Promise<void> {
  deps.metrics?.record('JobsFinished', 1, { status });
  if (at.startedAt) deps.metrics?.record('JobDurationMs', Math.max(0, Date.parse(at.stoppedAt) - Date.parse(at.startedAt)));
  await deps.queue.send('notify', { type: 'JobFinished', workflowId, jobId, status });
}
