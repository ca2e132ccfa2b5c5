/** CircleCI job statuses (API v2). */
export type JobStatus =
  'blocked' | 'queued' | 'running' | 'success' | 'failed' | 'canceled' | 'not_run' | 'on_hold' | 'infrastructure_fail' | 'timedout' | 'unauthorized';

/** CircleCI workflow statuses (API v2). */
export type WorkflowStatus = 'running' | 'on_hold' | 'failing' | 'success' | 'failed' | 'error' | 'canceled' | 'not_run';

/** CircleCI pipeline states (API v2). */
export type PipelineState = 'created' | 'errored' | 'setup-pending' | 'setup' | 'pending';

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['success', 'failed', 'canceled', 'not_run', 'infrastructure_fail', 'timedout', 'unauthorized'];

export function isTerminalJob(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

export const TERMINAL_WORKFLOW_STATUSES: readonly WorkflowStatus[] = ['success', 'failed', 'error', 'canceled', 'not_run'];

export function isTerminalWorkflow(status: WorkflowStatus): boolean {
  return TERMINAL_WORKFLOW_STATUSES.includes(status);
}

/** Status of one step action (one parallel task's run of a step), CircleCI v1.1 style. */
export type StepStatus = 'running' | 'success' | 'failed' | 'canceled' | 'timedout' | 'skipped';

/**
 * Why a step did not succeed, named by the agent: it could not start (the job's environment did not come up),
 * it failed (a non-zero exit, a step error), it timed out (no output for too long), it was canceled, or the
 * infrastructure failed under it (an upload, the agent itself). Reported with the step and kept on its action.
 */
export const STEP_FAILURE_REASONS = ['could_not_start', 'failed', 'timed_out', 'canceled', 'infrastructure'] as const;
export type StepFailureReason = (typeof STEP_FAILURE_REASONS)[number];
