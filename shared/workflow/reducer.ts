import type { Job, SerialGroupLock, Workflow } from '../model/entities';
import { isTerminalJob, isTerminalWorkflow, type JobStatus, type WorkflowStatus } from '../model/statuses';
import type { WorkflowCommand, WorkflowEvent } from './commands';
import { serialGroupCommand, serialGroupKeyOf, serialGroupReleases } from './serial-groups';

export type { WorkflowCommand, WorkflowEvent } from './commands';
export { holdsUntilUnlocked, serialGroupKeyOf } from './serial-groups';

export interface WorkflowState {
  workflow: Workflow;
  jobs: Job[];
  /** The locks of the serial groups this workflow's jobs belong to, by key (see `serialGroupKeyOf`). */
  serialGroups?: Record<string, SerialGroupLock>;
}

/** Job types that run nothing: ready means done (an `unlock` gives its group back as it ends). */
const PASSING_TYPES: readonly Job['type'][] = ['no-op', 'release', 'unlock'];

const passMessage = (job: Job): { message?: string } =>
  job.type === 'release' ? { message: `Release plan "${job.plan.releasePlan ?? ''}" recorded; Slipway has no CircleCI deploys integration to track it.` } : {};

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

/** One round of the reducer: copies of the jobs and locks that the phases update as they emit commands. */
interface Round {
  workflow: Workflow;
  jobs: Job[];
  byId: Map<string, Job>;
  byName: Map<string, Job>;
  /** A copy of the locks that the commands of this round update, so two jobs of one group do not both take it. */
  locks: Record<string, SerialGroupLock>;
  commands: WorkflowCommand[];
}

/** Phase 0: copies of the state to work on. */
function startRound(state: WorkflowState): Round {
  const jobs = state.jobs.map((j) => ({ ...j }));
  const locks: Record<string, SerialGroupLock> = {};
  for (const job of jobs) {
    const key = serialGroupKeyOf(job);
    if (key) locks[key] ??= structuredClone(state.serialGroups?.[key]) ?? { key, waiters: [], version: 0 };
  }
  return {
    workflow: { ...state.workflow },
    jobs,
    byId: new Map(jobs.map((j) => [j.id, j])),
    byName: new Map(jobs.map((j) => [j.name, j])),
    locks,
    commands: [],
  };
}

/** Phase 1: what the event asks of one job (an approval, a job's cancellation). */
function applyJobRequest(round: Round, event: WorkflowEvent): void {
  if (event.type === 'JobApproved') {
    const job = round.byId.get(event.jobId);
    if (job && job.type === 'approval' && job.status === 'on_hold') {
      round.commands.push({ type: 'ApproveJob', jobId: job.id, by: event.by });
      job.status = 'success';
    }
  } else if (event.type === 'JobCancelRequested') {
    const job = round.byId.get(event.jobId);
    if (job && !isTerminalJob(job.status)) {
      round.commands.push({ type: 'CancelJob', jobId: job.id, from: job.status, by: event.by });
      job.status = 'canceled';
    }
  }
}

/** The workflow's cancellation: every unfinished job canceled, their serial groups released, the workflow `canceled`. */
function cancelWorkflow(round: Round, by: string): void {
  for (const job of round.jobs) {
    if (isTerminalJob(job.status)) continue;
    round.commands.push({ type: 'CancelJob', jobId: job.id, from: job.status, by });
    job.status = 'canceled';
  }
  round.commands.push(...serialGroupReleases(round.jobs, round.locks));
  round.commands.push({ type: 'SetWorkflowStatus', from: round.workflow.status, status: 'canceled', by });
  round.workflow = { ...round.workflow, status: 'canceled' };
}

/**
 * Phase 2: jobs whose tasks have all ended take the tasks' aggregate status (a failure with `max_auto_reruns`
 * left runs its failed tasks again); started tasks start their job.
 */
function settleJobsFromTasks(round: Round): void {
  for (const job of round.jobs) {
    if (job.status !== 'queued' && job.status !== 'running') continue;
    const agg = aggregateTasks(job);
    if (agg === 'failed' && (job.autoReruns ?? 0) < (job.plan.maxAutoReruns ?? 0)) {
      const taskIndexes = job.tasks.filter((t) => t.status === 'failed').map((t) => t.index);
      round.commands.push({ type: 'RetryJob', jobId: job.id, from: job.status, taskIndexes });
      job.autoReruns = (job.autoReruns ?? 0) + 1;
      job.tasks = job.tasks.map((t) => (taskIndexes.includes(t.index) ? { ...t, status: 'queued', attempt: t.attempt + 1 } : t));
      job.status = 'queued';
    } else if (agg) {
      round.commands.push({ type: 'FinishJob', jobId: job.id, from: job.status, status: agg });
      job.status = agg;
    } else if (job.status === 'queued' && job.tasks.some((t) => t.status === 'running')) {
      round.commands.push({ type: 'StartJob', jobId: job.id });
      job.status = 'running';
    }
  }
}

/** Phase 3: blocked jobs advance to a fixpoint, since skipping one job may settle its dependents. */
function advanceBlockedJobs(round: Round): void {
  for (let changed = true; changed;) {
    changed = false;
    for (const job of round.jobs) {
      if (job.status === 'blocked' && advanceBlockedJob(round, job)) changed = true;
    }
  }
}

/**
 * A blocked job whose requirements are settled is skipped, held (approval), passed (a job that runs nothing),
 * queued, or put in its serial group's line; true when its status changed.
 */
function advanceBlockedJob(round: Round, job: Job): boolean {
  const r = readiness(job, round.byName);
  if (r === 'wait') return false;
  if (r === 'never') {
    round.commands.push({ type: 'SkipJob', jobId: job.id });
    job.status = 'not_run';
  } else if (job.type === 'approval') {
    round.commands.push({ type: 'HoldJob', jobId: job.id });
    job.status = 'on_hold';
  } else if (PASSING_TYPES.includes(job.type)) {
    round.commands.push({ type: 'PassJob', jobId: job.id, ...passMessage(job) });
    job.status = 'success';
  } else if (serialGroupKeyOf(job)) {
    const waiting = round.locks[serialGroupKeyOf(job)!].waiters.some((w) => w.jobId === job.id);
    const cmd = serialGroupCommand(job, round.workflow, round.locks);
    if (cmd.type === 'WaitSerialGroup') {
      if (!waiting) round.commands.push(cmd); // a job in line already needs no command
      return false;
    }
    round.commands.push(cmd);
    // A `lock` job has nothing to run: taking the group is all it does.
    job.status = cmd.type === 'SkipJob' ? 'not_run' : job.type === 'lock' ? 'success' : 'queued';
  } else {
    round.commands.push({ type: 'QueueJob', jobId: job.id });
    job.status = 'queued';
  }
  return true;
}

/** Phase 4: ended jobs release their serial groups, and the workflow takes the status its jobs imply. */
function finishRound(round: Round): void {
  round.commands.push(...serialGroupReleases(round.jobs, round.locks));
  const next = workflowStatusOf(round.jobs, round.workflow.status);
  if (next !== round.workflow.status) {
    round.commands.push({ type: 'SetWorkflowStatus', from: round.workflow.status, status: next });
    round.workflow = { ...round.workflow, status: next };
  }
}

const outcome = (round: Round) => ({ state: { workflow: round.workflow, jobs: round.jobs, ...withLocks(round.locks) }, commands: round.commands });

/**
 * Pure reducer: (state, event) → { state, commands }. The returned state has every command applied, so a
 * caller can inspect the outcome; the conductor persists each command with a conditional write. A round runs
 * in phases: the event's own request, jobs settled from their tasks, blocked jobs advanced, then serial-group
 * releases and the workflow status. A finished workflow changes no more; a canceled one stops after the cancel.
 */
export function reduceWorkflow(state: WorkflowState, event: WorkflowEvent): { state: WorkflowState; commands: WorkflowCommand[] } {
  const round = startRound(state);
  if (isTerminalWorkflow(round.workflow.status)) return { state: { workflow: round.workflow, jobs: round.jobs }, commands: [] };
  if (event.type === 'WorkflowCancelRequested') {
    cancelWorkflow(round, event.by);
    return outcome(round);
  }
  applyJobRequest(round, event);
  settleJobsFromTasks(round);
  advanceBlockedJobs(round);
  finishRound(round);
  return outcome(round);
}

/** The locks as the commands left them, for a caller that inspects the outcome (only when there are any). */
const withLocks = (locks: Record<string, SerialGroupLock>) => (Object.keys(locks).length ? { serialGroups: locks } : {});
