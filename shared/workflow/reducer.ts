import type { Job, Workflow } from '../model/entities';
import { isTerminalJob, isTerminalWorkflow, type JobStatus, type WorkflowStatus } from '../model/statuses';

export interface WorkflowState {
  workflow: Workflow;
  jobs: Job[];
}

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
  | { type: 'SkipJob'; jobId: string }
  | { type: 'ApproveJob'; jobId: string; by: string }
  | { type: 'StartJob'; jobId: string }
  | { type: 'FinishJob'; jobId: string; from: JobStatus; status: JobStatus }
  /** `max_auto_reruns`: the job's failed tasks run again as a new attempt instead of the job failing. */
  | { type: 'RetryJob'; jobId: string; from: JobStatus; taskIndexes: number[] }
  | { type: 'CancelJob'; jobId: string; from: JobStatus; by: string }
  | { type: 'SetWorkflowStatus'; from: WorkflowStatus; status: WorkflowStatus; by?: string };

const FAILED_LIKE: readonly JobStatus[] = ['failed', 'timedout', 'infrastructure_fail', 'unauthorized'];
/** Severity order when aggregating parallel tasks into one job status. */
const TASK_SEVERITY: readonly JobStatus[] = ['failed', 'timedout', 'infrastructure_fail', 'unauthorized', 'canceled', 'not_run', 'success'];

/** The status of a job from its tasks once all of them are terminal; `undefined` while any still runs. */
export function aggregateTasks(job: Job): JobStatus | undefined {
  if (!job.tasks.every((t) => isTerminalJob(t.status))) return undefined;
  for (const s of TASK_SEVERITY) if (job.tasks.some((t) => t.status === s)) return s;
  return 'success';
}

/** The workflow status implied by its jobs (CircleCI semantics). */
export function workflowStatusOf(jobs: Job[], current: WorkflowStatus): WorkflowStatus {
  if (current === 'canceled' || current === 'error') return current;
  const statuses = jobs.map((j) => j.status);
  const anyFailed = statuses.some((s) => FAILED_LIKE.includes(s));
  if (statuses.every(isTerminalJob)) {
    if (anyFailed) return 'failed';
    if (statuses.some((s) => s === 'canceled')) return 'canceled';
    if (statuses.length > 0 && statuses.every((s) => s === 'not_run')) return 'not_run';
    return 'success';
  }
  if (anyFailed) return 'failing';
  const active = statuses.some((s) => s === 'queued' || s === 'running');
  if (!active && statuses.some((s) => s === 'on_hold')) return 'on_hold';
  return 'running';
}

type Readiness = 'ready' | 'wait' | 'never';

function readiness(job: Job, byName: Map<string, Job>): Readiness {
  let result: Readiness = 'ready';
  for (const req of job.plan.requires) {
    const up = byName.get(req.job);
    if (!up) continue; // filtered out upstream jobs do not block
    if (!isTerminalJob(up.status)) {
      result = 'wait';
      continue;
    }
    if (!req.statuses.includes(up.status as never)) return 'never';
  }
  return result;
}

/**
 * Pure reducer: (state, event) → { state, commands }. The returned state has every command applied, so a
 * caller can inspect the outcome; the conductor persists each command with a conditional write.
 */
export function reduceWorkflow(state: WorkflowState, event: WorkflowEvent): { state: WorkflowState; commands: WorkflowCommand[] } {
  const jobs = state.jobs.map((j) => ({ ...j }));
  let workflow = { ...state.workflow };
  const commands: WorkflowCommand[] = [];
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const set = (job: Job, status: JobStatus) => {
    job.status = status;
  };

  if (isTerminalWorkflow(workflow.status)) return { state: { workflow, jobs }, commands };

  switch (event.type) {
    case 'JobApproved': {
      const job = byId.get(event.jobId);
      if (job && job.type === 'approval' && job.status === 'on_hold') {
        commands.push({ type: 'ApproveJob', jobId: job.id, by: event.by });
        set(job, 'success');
      }
      break;
    }
    case 'JobCancelRequested': {
      const job = byId.get(event.jobId);
      if (job && !isTerminalJob(job.status)) {
        commands.push({ type: 'CancelJob', jobId: job.id, from: job.status, by: event.by });
        set(job, 'canceled');
      }
      break;
    }
    case 'WorkflowCancelRequested': {
      for (const job of jobs) {
        if (isTerminalJob(job.status)) continue;
        commands.push({ type: 'CancelJob', jobId: job.id, from: job.status, by: event.by });
        set(job, 'canceled');
      }
      commands.push({ type: 'SetWorkflowStatus', from: workflow.status, status: 'canceled', by: event.by });
      workflow = { ...workflow, status: 'canceled' };
      return { state: { workflow, jobs }, commands };
    }
    default:
      break;
  }

  // Jobs whose tasks have all ended take the tasks' aggregate status; started tasks start their job.
  for (const job of jobs) {
    if (job.status !== 'queued' && job.status !== 'running') continue;
    const agg = aggregateTasks(job);
    if (agg === 'failed' && (job.autoReruns ?? 0) < (job.plan.maxAutoReruns ?? 0)) {
      const taskIndexes = job.tasks.filter((t) => t.status === 'failed').map((t) => t.index);
      commands.push({ type: 'RetryJob', jobId: job.id, from: job.status, taskIndexes });
      job.autoReruns = (job.autoReruns ?? 0) + 1;
      job.tasks = job.tasks.map((t) => (taskIndexes.includes(t.index) ? { ...t, status: 'queued', attempt: t.attempt + 1 } : t));
      set(job, 'queued');
    } else if (agg) {
      commands.push({ type: 'FinishJob', jobId: job.id, from: job.status, status: agg });
      set(job, agg);
    } else if (job.status === 'queued' && job.tasks.some((t) => t.status === 'running')) {
      commands.push({ type: 'StartJob', jobId: job.id });
      set(job, 'running');
    }
  }

  // Advance blocked jobs to a fixpoint: skipping one job may settle its dependents.
  for (let changed = true; changed; ) {
    changed = false;
    for (const job of jobs) {
      if (job.status !== 'blocked') continue;
      const r = readiness(job, byName);
      if (r === 'wait') continue;
      changed = true;
      if (r === 'never') {
        commands.push({ type: 'SkipJob', jobId: job.id });
        set(job, 'not_run');
      } else if (job.type === 'approval') {
        commands.push({ type: 'HoldJob', jobId: job.id });
        set(job, 'on_hold');
      } else {
        commands.push({ type: 'QueueJob', jobId: job.id });
        set(job, 'queued');
      }
    }
  }

  const next = workflowStatusOf(jobs, workflow.status);
  if (next !== workflow.status) {
    commands.push({ type: 'SetWorkflowStatus', from: workflow.status, status: next });
    workflow = { ...workflow, status: next };
  }
  return { state: { workflow, jobs }, commands };
}
