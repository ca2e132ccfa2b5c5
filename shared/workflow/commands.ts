import type { JobStatus, WorkflowStatus } from '../model/statuses';

/**
 * What happened. The reducer is level-triggered: every event ends with a re-evaluation of the whole DAG from
 * the stored statuses, so a duplicate or reordered event yields the same commands as the original, and
 * commands already applied are not emitted again.
 */
export type WorkflowEvent =
  | { type: 'WorkflowCreated' }
  | { type: 'TaskFinished'; jobId: string }
  | { type: 'JobApproved'; jobId: string; by: string }
  | { type: 'WorkflowCancelRequested'; by: string }
  | { type: 'JobCancelRequested'; jobId: string; by: string }
  | { type: 'Reconcile' };

/** What to do. Each names the status it expects to change from; the conductor applies it conditionally. */
export type WorkflowCommand =
  | { type: 'QueueJob'; jobId: string }
  | { type: 'HoldJob'; jobId: string }
  | { type: 'SkipJob'; jobId: string; reason?: string }
  /** A job that runs nothing (`no-op`, `release`, `unlock`) is ready: it succeeds at once, without compute. */
  | { type: 'PassJob'; jobId: string; message?: string }
  /** The job is ready and its serial group is free for it: take the group's lock, then queue the job. */
  | { type: 'AcquireSerialGroup'; jobId: string; key: string }
  /** The job is ready but another job holds its serial group (or is ahead in line): join the group's waiters. */
  | { type: 'WaitSerialGroup'; jobId: string; key: string; heldBy?: { jobId: string; pipelineNumber: number; projectSlug: string } }
  /** The job has ended: give up its serial group lock or its place in line. */
  | { type: 'ReleaseSerialGroup'; jobId: string; key: string }
  | { type: 'ApproveJob'; jobId: string; by: string }
  | { type: 'StartJob'; jobId: string }
  | { type: 'FinishJob'; jobId: string; from: JobStatus; status: JobStatus }
  /** `max_auto_reruns`: the job's failed tasks run again as a new attempt instead of the job failing. */
  | { type: 'RetryJob'; jobId: string; from: JobStatus; taskIndexes: number[] }
  | { type: 'CancelJob'; jobId: string; from: JobStatus; by: string }
  | { type: 'SetWorkflowStatus'; from: WorkflowStatus; status: WorkflowStatus; by?: string };
