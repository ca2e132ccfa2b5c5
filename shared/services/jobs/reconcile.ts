import type { Job, TaskState } from '../../model/entities';
import { sendWorkflowEvent } from '../workflows/workflow-events';
import { requeueRetriedTask } from '../runners/runners-compute';
import type { ControlPlaneDeps } from '../deps';
import { findTaskCompute, stopTaskCompute } from './task-compute';
import { decidePipeline, decideTask, type ReaperLimits, type TaskDecision } from './reaper-decisions';

export interface ReconcileReport {
  pipelinesRetriggered: number;
  workflowsNudged: number;
  tasksRedispatched: number;
  tasksReaped: number;
  tasksRetried: number;
  tasksTimedOut: number;
  jobsExpired: number;
}

export interface ReaperOptions {
  /** How many times a task that lost its agent is retried before the job fails (DESIGN.md §6: once). */
  infraRetries: number;
  /** CircleCI's maximum job runtime: a task running longer ends `timedout`. */
  maxJobRuntimeSeconds: number;
  /** A job still queued (no agent started) after this long is failed with a reason. */
  maxQueuedSeconds: number;
  /** Only these workflows (default: every active one). */
  workflowIds?: readonly string[];
  /** A pipeline still `pending` this long after its creation lost its trigger message: it is sent again. */
  retriggerPendingAfterSeconds: number;
  /**
   * Tasks known to have lost their compute (a Spot interruption, an instance terminating, a Fargate task that
   * stopped): reaped at once instead of after the lease, even while still queued (an image that cannot be pulled).
   */
  lost?: (job: Job, task: TaskState) => boolean;
  /** Why those tasks were lost (an ECS stop reason): kept as the job's message. */
  lostReason?: string;
}

export const DEFAULT_REAPER_OPTIONS: ReaperOptions = {
  infraRetries: 1,
  maxJobRuntimeSeconds: 5 * 3600,
  maxQueuedSeconds: 3600,
  retriggerPendingAfterSeconds: 60,
};

type Deps = ControlPlaneDeps;

/** Ends a task that will never report (conditional on its status and attempt) and nudges the conductor. */
async function endTask(deps: Deps, job: Job, task: TaskState, from: 'queued' | 'running', status: 'infrastructure_fail' | 'timedout' | 'failed', now: number) {
  const ended = await deps.pipelines.updateTask(
    job.workflowId,
    job.id,
    task.index,
    { status: from, attempt: task.attempt },
    { status, stoppedAt: new Date(now).toISOString() },
  );
  if (ended) await sendWorkflowEvent(deps, job.workflowId, { type: 'TaskFinished', jobId: job.id });
  return Boolean(ended);
}

/**
 * Re-derives from the store what should have happened (DESIGN.md §2): pipelines left `pending` (a lost or
 * dead-lettered trigger message) get their trigger sent again (processing is idempotent), every active workflow is re-evaluated
 * (lost conductor events), queued tasks whose compute is not found are dispatched again (lost dispatch messages), running
 * tasks whose agent stopped heart-beating beyond the lease are failed as `infrastructure_fail` (retried as a
 * new attempt while retries remain), tasks running beyond the maximum job runtime end `timedout`, and jobs
 * queued beyond the limit fail with a reason. Nothing stays `running` forever. Safe to run concurrently with
 * everything else and any number of times: every change is conditional on the status and attempt it saw.
 * What to do with each item is decided by the pure policies of `reaper-decisions.ts`; this loop applies them.
 */
export async function reconcile(deps: Deps, options: Partial<ReaperOptions> = {}): Promise<ReconcileReport> {
  const opts = { ...DEFAULT_REAPER_OPTIONS, ...options };
  const limits: ReaperLimits = { ...opts, leaseSeconds: deps.leaseSeconds };
  const report: ReconcileReport = {
    pipelinesRetriggered: 0,
    workflowsNudged: 0,
    tasksRedispatched: 0,
    tasksReaped: 0,
    tasksRetried: 0,
    tasksTimedOut: 0,
    jobsExpired: 0,
  };
  const now = deps.clock.now().getTime();
  if (!opts.workflowIds) {
    for (const pipeline of await deps.pipelines.listPendingPipelines()) {
      if (decidePipeline(pipeline, now, limits).kind !== 'retrigger') continue;
      await deps.queue.send('triggers', { type: 'PipelineTriggered', pipelineId: pipeline.id });
      report.pipelinesRetriggered++;
    }
  }
  for (const workflow of await deps.pipelines.listActiveWorkflows()) {
    if (opts.workflowIds && !opts.workflowIds.includes(workflow.id)) continue;
    for (const job of await deps.pipelines.listJobs(workflow.id)) {
      for (const task of job.tasks) {
        const lost = { lost: opts.lost?.(job, task) ?? false, reason: opts.lostReason };
        for (const decision of decideTask(job, task, now, limits, lost)) await applyTaskDecision(deps, job, task, decision, now, report);
      }
    }
    await sendWorkflowEvent(deps, workflow.id, { type: 'Reconcile' });
    report.workflowsNudged++;
  }
  return report;
}

/** Applies one decision to the store, the queues and compute, counting what changed in `report`. */
async function applyTaskDecision(deps: Deps, job: Job, task: TaskState, decision: TaskDecision, now: number, report: ReconcileReport): Promise<void> {
  if (decision.kind === 'leave') return;
  if (decision.kind === 'redispatch') {
    // A unit that is found is starting slowly (an image pull, a pool at its maximum): not a lost dispatch.
    if (await findTaskCompute(deps, job, task)) return;
    await deps.queue.send('dispatch', { workflowId: job.workflowId, jobId: job.id, taskIndex: task.index, attempt: task.attempt });
    report.tasksRedispatched++;
    return;
  }
  if (decision.kind === 'retry' || decision.kind === 'fail_infrastructure') report.tasksReaped++;
  if (decision.stopCompute) await stopTaskCompute(deps, job, task, decision.stopReason);
  switch (decision.kind) {
    case 'expire':
      if (await endTask(deps, job, task, 'queued', 'failed', now)) {
        await deps.pipelines.updateJob(job.workflowId, job.id, job.status, { message: decision.message });
        report.jobsExpired++;
      }
      return;
    case 'time_out':
      if (await endTask(deps, job, task, 'running', 'timedout', now)) report.tasksTimedOut++;
      return;
    case 'retry':
      if (await retryTask(deps, job, task, decision.message)) report.tasksRetried++;
      return;
    case 'fail_infrastructure':
      if ((await endTask(deps, job, task, task.status as 'queued' | 'running', 'infrastructure_fail', now)) && decision.message) {
        await deps.pipelines.updateJob(job.workflowId, job.id, job.status, { message: decision.message });
      }
      return;
  }
}

/** Queues a reaped task again as a new attempt (conditional on the attempt it had), spending one infrastructure retry. */
async function retryTask(deps: Deps, job: Job, task: TaskState, message: string | undefined): Promise<boolean> {
  const patch = { status: 'queued' as const, attempt: task.attempt + 1, computeId: undefined, heartbeatAt: undefined, startedAt: undefined };
  const retried = await deps.pipelines.updateTask(job.workflowId, job.id, task.index, { status: task.status, attempt: task.attempt }, patch);
  if (!retried) return false;
  await deps.pipelines.updateJob(job.workflowId, job.id, retried.status, { infraRetries: job.infraRetries + 1, ...(message && { message }) });
  await requeueRetriedTask(deps, job, { workflowId: job.workflowId, jobId: job.id, taskIndex: task.index, attempt: task.attempt + 1 });
  return true;
}
