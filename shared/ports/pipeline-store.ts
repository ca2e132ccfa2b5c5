import type { Job, Pipeline, SerialGroupEntry, SerialGroupLock, TaskState, Workflow } from '../model/entities';
import type { JobStatus, PipelineState, WorkflowStatus } from '../model/statuses';

export type { SerialGroupEntry, SerialGroupLock };

export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

/**
 * Pipelines, workflows and jobs: the state the workflow engine advances.
 *
 * Semantics (every adapter passes `definePipelineStoreContract`):
 * - `create*` are idempotent: creating an entity whose id exists already leaves the stored one untouched and
 *   resolves `false` (a redelivered message creates nothing twice).
 * - Every state change is conditional on the expected current status; when the stored status differs the
 *   call resolves `undefined` (the change was not made) instead of throwing, so duplicate and reordered
 *   events change nothing. Successful changes bump `version` and resolve the new entity.
 * - Reads are strongly consistent for get-by-id and per-workflow job lists; list-by-project is eventually
 *   consistent (a secondary index).
 */
export interface PipelineStore {
  createPipeline(pipeline: Pipeline): Promise<boolean>;
  getPipeline(id: string): Promise<Pipeline | undefined>;
  getPipelineByNumber(projectSlug: string, number: number): Promise<Pipeline | undefined>;
  /** Newest first. `branch` filters on `vcs.branch`. */
  listPipelines(projectSlug: string, options?: { pageToken?: string; limit?: number; branch?: string }): Promise<Page<Pipeline>>;
  updatePipeline(id: string, expected: PipelineState, patch: Partial<Pipeline>): Promise<Pipeline | undefined>;
  /**
   * Pipelines still `pending` (created, their trigger not processed yet), oldest first, each re-read for its
   * current state: the reconciler re-sends the trigger of those pending too long (a lost message). A pipeline
   * leaves this list when `updatePipeline` moves it out of `pending`.
   */
  listPendingPipelines(): Promise<Pipeline[]>;

  /**
   * Creates the workflow and all its jobs (jobs first, so a workflow never exists without its jobs). A job that
   * exists already is never overwritten, so a stale duplicate call (one that read before another caller's
   * writes) cannot reset a job that has since been queued or has run.
   */
  createWorkflow(workflow: Workflow, jobs: Job[]): Promise<boolean>;
  getWorkflow(id: string): Promise<Workflow | undefined>;
  listWorkflows(pipelineId: string): Promise<Workflow[]>;
  updateWorkflow(id: string, expected: WorkflowStatus, patch: Partial<Workflow>): Promise<Workflow | undefined>;

  getJob(workflowId: string, jobId: string): Promise<Job | undefined>;
  /** Every job of a workflow in one query. */
  listJobs(workflowId: string): Promise<Job[]>;
  getJobByNumber(projectSlug: string, number: number): Promise<Job | undefined>;
  /** Jobs by id alone (API routes that only know the id). */
  getJobById(jobId: string): Promise<Job | undefined>;
  updateJob(workflowId: string, jobId: string, expected: JobStatus, patch: Partial<Job>): Promise<Job | undefined>;
  /**
   * Changes one task of a job, conditional on the task's status (and attempt when given), in one write: the
   * agent's step list rides on its heartbeat and on its completion (`steps` replaces the task's list). With
   * `job`, the same write also changes the job, and only happens when the job's status is `job.expected` too
   * (the first task to start starts its job) and, with `soleTask`, when the job has only this task (a
   * one-task job that succeeds is finished by its task's completion).
   */
  updateTask(
    workflowId: string,
    jobId: string,
    taskIndex: number,
    expected: { status: JobStatus | JobStatus[]; attempt?: number },
    patch: Partial<Omit<TaskState, 'index'>>,
    job?: { expected: JobStatus; patch: Pick<Partial<Job>, 'status' | 'startedAt' | 'stoppedAt'>; soleTask?: boolean },
  ): Promise<Job | undefined>;
  /**
   * Records that someone is viewing a job: sets `watchedAt` to `at` unless the stored `watchedAt` is already
   * `staleBefore` or later (so of concurrent viewers at most one writes), and only while the job is `queued`
   * or `running`. Does not bump `version` (it is no state change). Resolves whether it wrote; safe to repeat.
   */
  markJobWatched(workflowId: string, jobId: string, at: string, staleBefore: string): Promise<boolean>;
  /** Jobs currently `queued` or `running` (for the reaper and the reconciler). */
  listActiveJobs(): Promise<Job[]>;
  /** Workflows not yet terminal (for the reconciler). */
  listActiveWorkflows(): Promise<Workflow[]>;

  /** A serial group's lock; an unwritten lock reads as free (`version` 0, no holder, no waiters). */
  getSerialGroup(key: string): Promise<SerialGroupLock>;
  /**
   * Writes a serial group's lock (holder and waiters) conditional on the `version` it was read at, and
   * resolves the written lock (version bumped), or `undefined` when another writer changed it since (compare
   * and set: read again and retry). Of any number of concurrent writers of one version exactly one wins.
   */
  putSerialGroup(lock: SerialGroupLock): Promise<SerialGroupLock | undefined>;
}
