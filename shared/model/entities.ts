import type { JobPlan, JobType, Plan } from '../config/plan';
import type { JobStatus, PipelineState, StepFailureReason, StepStatus, WorkflowStatus } from './statuses';

export type Role = 'admin' | 'member' | 'viewer';

export interface User {
  id: string;
  login: string;
  name: string;
  /** Organisation slug (e.g. `gh/acme`) → role. */
  roles: Record<string, Role>;
  /** Instance-wide administrator (the first, seeded user). */
  admin: boolean;
  createdAt: string;
  /**
   * The GitHub account (its numeric id, which survives renames) this user signs in with: set at the first
   * GitHub sign-in, never changed. A GitHub account that later takes the same login is not this user.
   */
  githubId?: number;
}

export interface ProjectSettings {
  /** Build only pull requests (plus the default branch). */
  buildPrsOnly: boolean;
  buildForkPrs: boolean;
  /** Hand project and context secrets to jobs of forked pull requests. */
  forksReceiveSecrets: boolean;
  autoCancelBuilds: boolean;
}

export interface Project {
  id: string;
  /** `gh/<org>/<repo>`, as CircleCI's project slugs. */
  slug: string;
  name: string;
  organizationName: string;
  organizationSlug: string;
  organizationId: string;
  /** Where the repository is fetched from (https URL, file:// URL or local path). */
  repoUrl: string;
  defaultBranch: string;
  settings: ProjectSettings;
  createdAt: string;
}

export interface PipelineError {
  type: 'config' | 'config-fetch' | 'timeout' | 'permission' | 'other' | 'trigger-rule' | 'plan';
  message: string;
}

export interface TriggerInfo {
  type: 'api' | 'webhook' | 'scheduled_pipeline' | 'explicit' | 'schedule';
  receivedAt: string;
  actor: { login: string; avatarUrl: string | null };
}

export interface VcsInfo {
  providerName: string;
  originRepositoryUrl: string;
  targetRepositoryUrl: string;
  revision: string;
  branch?: string;
  tag?: string;
  reviewId?: string;
  reviewUrl?: string;
  /** `committerEmail` is Slipway's (email notifications); the API shows subject and body only. */
  commit?: { subject: string; body: string; committerEmail?: string };
}

export interface PipelineSelection {
  workflows?: string[];
  jobs?: string[];
  /**
   * Replays (`slipway run --replay`): run only the named jobs, without the jobs they require (their `requires`
   * count as done), attaching the workspace layers stored under this bucket prefix (what the job attached on
   * its server) instead of layers of upstream jobs.
   */
  replayWorkspace?: string;
}

export interface Pipeline {
  id: string;
  projectSlug: string;
  number: number;
  state: PipelineState;
  errors: PipelineError[];
  trigger: TriggerInfo;
  vcs: VcsInfo;
  /** Parameters given with the trigger (CircleCI's `trigger_parameters` are the VCS/trigger facts). */
  parameters: Record<string, string | number | boolean>;
  /** The config source as fetched, and the compiled plan (pipelines stored before `configKey`/`planKey`). */
  configSource?: string;
  plan?: Plan;
  /** Dynamic config: the setup config as fetched, while the continuation config is in `configSource`. */
  setupConfigSource?: string;
  /**
   * Bucket keys of the config source, the setup config and the compiled plan (they can exceed DynamoDB's item
   * limit; `loadPipelineConfig` reads them).
   */
  configKey?: string;
  setupConfigKey?: string;
  planKey?: string;
  /** The plan's pipeline parameter values, defaults included (`GET /pipeline/{id}/values`). */
  pipelineParameters?: Record<string, string | number | boolean>;
  /** Dynamic config: SHA-256 of the continuation key handed to the setup job, and when it stops working. */
  continuationKeyHash?: string;
  continuationExpiresAt?: string;
  /** The schedule that fired this pipeline (scheduled pipelines). */
  scheduleId?: string;
  /** Documented pipeline values only the trigger's event knows, by flat name (`event.action`, `git.base_revision`). */
  eventValues?: Record<string, string | number | boolean>;
  /** Local runs (`slipway run --workflow/--job`): only these workflows, and these jobs with the jobs they require. */
  selection?: PipelineSelection;
  createdAt: string;
  updatedAt: string;
}

export interface Workflow {
  id: string;
  pipelineId: string;
  pipelineNumber: number;
  projectSlug: string;
  name: string;
  status: WorkflowStatus;
  startedBy: string;
  createdAt: string;
  stoppedAt: string | null;
  canceledBy?: string;
  erroredBy?: string;
  /** For reruns: the workflow this one was rerun from. */
  rerunOf?: string;
  /** Replays: a bucket prefix of workspace layers every job of this workflow attaches first (`PipelineSelection.replayWorkspace`). */
  attachedWorkspace?: string;
  tag?: 'setup';
  version: number;
}

export interface StepAction {
  index: number;
  status: StepStatus;
  startedAt: string;
  stoppedAt?: string;
  exitCode?: number | null;
  /** Bytes of output kept for this action. */
  outputBytes?: number;
  /** Why the step did not succeed, as its agent named it. */
  failureReason?: StepFailureReason;
  /**
   * The whole output, when the agent sent it with the step's final report instead of uploading it (small steps);
   * while the step runs, its output so far when none of it is uploaded yet (a preview for viewers).
   */
  output?: string;
  /** `restore_cache`: the key of the cache this action restored (replays fetch the same cache). */
  restoredCache?: string;
}

export interface StepResult {
  index: number;
  name: string;
  type: string;
  actions: StepAction[];
}

export interface TaskState {
  index: number;
  status: JobStatus;
  attempt: number;
  startedAt?: string;
  stoppedAt?: string;
  heartbeatAt?: string;
  /**
   * The machine instance whose runner claimed the task (`machine:<instance id>`), recorded by the claim. The
   * dispatcher records no compute: the compute port finds a task's unit from (job, task, attempt).
   */
  computeId?: string;
  steps: StepResult[];
}

export interface Job {
  id: string;
  workflowId: string;
  pipelineId: string;
  projectSlug: string;
  name: string;
  type: JobType;
  status: JobStatus;
  /** Assigned when the job is queued to run (approval jobs have none). */
  number?: number;
  /** Ids of the upstream jobs (CircleCI's `dependencies`). */
  dependencies: string[];
  plan: JobPlan;
  tasks: TaskState[];
  createdAt: string;
  queuedAt?: string;
  startedAt?: string;
  stoppedAt?: string;
  approvedBy?: string;
  canceledBy?: string;
  /** Reaper retries already spent on infrastructure failures. */
  infraRetries: number;
  /** Automatic reruns already spent (`max_auto_reruns`). */
  autoReruns?: number;
  /** Why the job ended as it did when no step says so (queued too long, unauthorized context, ...). */
  message?: string;
  /** For reruns: the job of the original workflow this one reruns. */
  rerunOf?: string;
  /** Rerun with SSH: the agent serves SSH to the job's environment after its steps. */
  sshRerun?: boolean;
  /** Last time someone viewed the job while it was queued or running (its agent then streams output live). */
  watchedAt?: string;
  version: number;
}

/** An organisation's named set of secrets (CircleCI contexts). */
export interface Context {
  id: string;
  name: string;
  /** Organisation slug (`gh/acme`). */
  ownerSlug: string;
  ownerId: string;
  createdAt: string;
}

/**
 * Who may use a context. `project`: only pipelines of that project id; `expression`: a CircleCI-style
 * expression over `pipeline.git.branch`/`pipeline.git.tag`.
 */
export interface ContextRestriction {
  id: string;
  contextId: string;
  type: 'project' | 'expression';
  value: string;
  name: string;
  createdAt: string;
}

/** CircleCI timetable of a scheduled pipeline; times are UTC. */
export interface Timetable {
  perHour: number;
  hoursOfDay: number[];
  daysOfWeek?: Array<'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN'>;
  daysOfMonth?: number[];
  months?: Array<'JAN' | 'FEB' | 'MAR' | 'APR' | 'MAY' | 'JUN' | 'JUL' | 'AUG' | 'SEP' | 'OCT' | 'NOV' | 'DEC'>;
}

/** A scheduled pipeline (API schedule) or a legacy `triggers: schedule` of a config workflow. */
export interface Schedule {
  id: string;
  projectSlug: string;
  name: string;
  description: string;
  kind: 'api' | 'config';
  /** API schedules: the timetable; config schedules: a cron expression. */
  timetable?: Timetable;
  cron?: string;
  /** Config schedules: the workflow to run and the branches it runs for. */
  workflow?: string;
  branch?: string;
  tag?: string;
  parameters: Record<string, string | number | boolean>;
  actor: { id: string; login: string; name: string };
  /** The next slot at which the schedule fires (ISO); the cron handler claims slots conditionally on it. */
  nextRunAt: string;
  createdAt: string;
  updatedAt: string;
}

/** A job in a serial group: the one holding the group's lock, or one waiting for it. */
export interface SerialGroupEntry {
  jobId: string;
  workflowId: string;
  projectSlug: string;
  pipelineNumber: number;
  /** When the job entered the group (waiters are served oldest first). */
  since: string;
}

/** The lock of one serial group of an organisation (CircleCI `serial-group`). */
export interface SerialGroupLock {
  /** `<org slug>/<group name>`. */
  key: string;
  holder?: SerialGroupEntry;
  waiters: SerialGroupEntry[];
  /** 0 when the lock was never written; bumped by every write. */
  version: number;
}
