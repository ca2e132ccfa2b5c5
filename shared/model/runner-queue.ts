/** Compute ids of tasks in the runner queue start with this. */
export const RUNNER_COMPUTE_PREFIX = 'runner:';

/** A runner queue entry without its queue state: which task, at which attempt, for which resource class. */
export interface RunnerQueueKey {
  resourceClass: string;
  workflowId: string;
  jobId: string;
  taskIndex: number;
  attempt: number;
}

/** The compute id of a task waiting in (or claimed from) the runner queue: stopping it removes that entry. */
export const runnerComputeId = (entry: RunnerQueueKey): string => `${RUNNER_COMPUTE_PREFIX}${JSON.stringify(entry)}`;
