import type { ExecutorPlan } from '../config/plan';

/** One task (one parallel run of one job attempt) to start capacity for. */
export interface TaskLaunch {
  jobId: string;
  workflowId: string;
  projectSlug: string;
  taskIndex: number;
  attempt: number;
  executor: ExecutorPlan;
  /**
   * Short-lived JWT scoped to this task and attempt. It only lets the agent fetch its job spec, where the
   * job's secrets are; it is not itself a user secret. Handed over only where nothing records it (a local
   * process's stdin); compute whose launch parameters are recorded passes `taskCode` instead.
   */
  taskToken: string;
  /**
   * A one-time code for the same task and attempt, which the agent exchanges once for the task token
   * (`POST /runner/v1/task/token`): what goes into ECS RunTask overrides (CloudTrail records them) and container
   * environments. Worthless once exchanged, and after a short expiry.
   */
  taskCode: string;
  /** Base URL of the control plane's runner API (`/runner/v1` is appended by the agent). */
  controlPlaneUrl: string;
  /** The job's working directory as its plan gives it (`~/project`, `/go/src/x`): compute that isolates the job's filesystem may need to provide it. */
  workingDirectory?: string;
  /** Rerun with SSH: compute without an inbound path opens its own way in (Fargate: ECS Exec). */
  ssh?: boolean;
}

/**
 * A task whose compute is looked up: the (job, task, attempt) that `launch` is idempotent on, and the executor
 * (which tells a composite compute which backend owns the unit).
 */
export type TaskRef = Pick<TaskLaunch, 'workflowId' | 'jobId' | 'taskIndex' | 'attempt' | 'executor'>;

export interface LaunchResult {
  /** Identifies the started unit (ECS task ARN, local process id, `pool:<class>` for pooled capacity). */
  computeId: string;
}

/**
 * Starts compute for job tasks: a Fargate task, capacity in an EC2 auto scaling group, or a process on the
 * host in local mode.
 *
 * Semantics: `launch` is idempotent per (jobId, taskIndex, attempt) — a second call for the same triple does
 * not start a second unit (ECS client token, local registry). Launches of different tasks may run
 * concurrently. Throws `ComputeCapacityError` when capacity is temporarily unavailable (the caller retries
 * through the queue). `stop` is best effort and safe to call twice or for a unit that already ended.
 *
 * The store does not record the compute id (it would cost a write per task): `find` looks the unit up from
 * (job, task, attempt) alone (ECS `startedBy`, the local process or container table, the runner queue), so a
 * cancel, the reaper and the reconciler reach the unit a dispatch started.
 */
export interface JobCompute {
  launch(task: TaskLaunch): Promise<LaunchResult>;
  stop(computeId: string, reason: string): Promise<void>;
  /**
   * The id `launch` returned for this (job, task, attempt), while the backend still knows the unit; `undefined`
   * when nothing was launched for it (a lost dispatch) or the unit is gone. Read-only; safe to call concurrently.
   * Pooled capacity answers its pool's id for any task of a class it serves.
   */
  find(task: TaskRef): Promise<string | undefined>;
}
