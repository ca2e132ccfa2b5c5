import type { Job, TaskState } from '../../model/entities';
import { sendWorkflowEvent } from '../workflows/workflow-events';
import { requeueRetriedTask } from '../runners/runners-compute';
import type { ControlPlaneDeps } from '../deps';

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

export const DEFAULT_REAPER_OPTIONS: ReaperOptions = { infraRetries: 1, maxJobRuntimeSeconds: 5 * 3600, maxQueuedSeconds: 3600, retriggerPendingAfterSeconds: 60 };
/** A queued task not picked up by compute within this time is dispatched again. */
const REDISPATCH_AFTER_MS = 60_000;

type Deps = ControlPlaneDeps;

/** Ends a task that will never report (conditional on its status and attempt) and nudges the conductor. */
async function endTask(deps: Deps, job: Job, task: TaskState, from: 'queued' | 'running', status: 'infrastructure_fail' | 'timedout' | 'failed', now: number) {
  const ended = await deps.pipelines.updateTask(job.workflowId, job.id, task.index, { status: from, attempt: task.attempt }, { status, stoppedAt: new Date(now).toISOString() });
  if (ended) await sendWorkflowEvent(deps, job.workflowId, { type: 'TaskFinished', jobId: job.id });
  return Boolean(ended);
}

/**
 * Re-derives from the store what should have happened (DESIGN.md §2): pipelines left `pending` (a lost or
 * dead-lettered trigger message) get their trigger sent again (processing is idempotent), every active workflow is re-evaluated
 * (lost conductor events), queued tasks without compute are dispatched again (lost dispatch messages), running
 * tasks whose agent stopped heart-beating beyond the lease are failed as `infrastructure_fail` (retried as a
 * new attempt while retries remain), tasks running beyond the maximum job runtime end `timedout`, and jobs
 * queued beyond the limit fail with a reason. Nothing stays `running` forever. Safe to run concurrently with
 * everything else and any number of times: every change is conditional on the status and attempt it saw.
 */
export async function reconcile(deps: Deps, options: Partial<ReaperOptions> = {}): Promise<ReconcileReport> {
  const opts = { ...DEFAULT_REAPER_OPTIONS, ...options };
  const report: ReconcileReport = { pipelinesRetriggered: 0, workflowsNudged: 0, tasksRedispatched: 0, tasksReaped: 0, tasksRetried: 0, tasksTimedOut: 0, jobsExpired: 0 };
  const now = deps.clock.now().getTime();
  if (!opts.workflowIds) {
    for (const pipeline of await deps.pipelines.listPendingPipelines()) {
      if (now - Date.parse(pipeline.createdAt) <= opts.retriggerPendingAfterSeconds * 1000) continue;
      await deps.queue.send('triggers', { type: 'PipelineTriggered', pipelineId: pipeline.id });
      report.pipelinesRetriggered++;
    }
  }
  for (const workflow of await deps.pipelines.listActiveWorkflows()) {
    if (opts.workflowIds && !opts.workflowIds.includes(workflow.id)) continue;
    const jobs = await deps.pipelines.listJobs(workflow.id);
    for (const job of jobs) {
      if (job.status !== 'queued' && job.status !== 'running') continue;
      const queuedFor = now - Date.parse(job.queuedAt ?? job.createdAt);
      for (const task of job.tasks) {
        if (task.status === 'queued' && queuedFor > opts.maxQueuedSeconds * 1000) {
          if (task.computeId) await deps.compute.stop(task.computeId, 'queued beyond the limit').catch(() => undefined);
          if (await endTask(deps, job, task, 'queued', 'failed', now)) {
            await deps.pipelines.updateJob(workflow.id, job.id, job.status, {
              message: `No agent started this job within ${opts.maxQueuedSeconds} seconds of queueing; check the capacity for resource class ${job.plan.executor.resourceClass}.`,
            });
            report.jobsExpired++;
          }
          continue;
        }
        if (task.status === 'queued' && !task.computeId && queuedFor > REDISPATCH_AFTER_MS) {
          await deps.queue.send('dispatch', { workflowId: workflow.id, jobId: job.id, taskIndex: task.index, attempt: task.attempt });
          report.tasksRedispatched++;
        }
        // A queued task with a heartbeat was claimed by a runner that has not started it (yet): reaped like a silent agent.
        const lost = opts.lost?.(job, task) ?? false;
        if (task.status !== 'running' && !(task.status === 'queued' && (task.heartbeatAt || lost))) continue;
        if (task.startedAt && now - Date.parse(task.startedAt) > opts.maxJobRuntimeSeconds * 1000) {
          if (task.computeId) await deps.compute.stop(task.computeId, 'maximum job runtime reached').catch(() => undefined);
          if (await endTask(deps, job, task, 'running', 'timedout', now)) report.tasksTimedOut++;
          continue;
        }
        const silentMs = now - Date.parse(task.heartbeatAt ?? task.startedAt ?? job.queuedAt ?? job.createdAt);
        if (silentMs <= deps.leaseSeconds * 1000 && !lost) continue;
        report.tasksReaped++;
        if (task.computeId) await deps.compute.stop(task.computeId, 'agent silent beyond its lease').catch(() => undefined);
        if (job.infraRetries < opts.infraRetries) {
          const retried = await deps.pipelines.updateTask(workflow.id, job.id, task.index, { status: task.status, attempt: task.attempt }, {
            status: 'queued',
            attempt: task.attempt + 1,
            computeId: undefined,
            heartbeatAt: undefined,
            startedAt: undefined,
          });
          if (retried) {
            await deps.pipelines.updateJob(workflow.id, job.id, retried.status, { infraRetries: job.infraRetries + 1, ...(lost && opts.lostReason && { message: opts.lostReason }) });
            await requeueRetriedTask(deps, job, { workflowId: workflow.id, jobId: job.id, taskIndex: task.index, attempt: task.attempt + 1 });
            report.tasksRetried++;
          }
        } else {
          if (await endTask(deps, job, task, task.status, 'infrastructure_fail', now) && lost && opts.lostReason) {
            await deps.pipelines.updateJob(workflow.id, job.id, job.status, { message: opts.lostReason });
          }
        }
      }
    }
    await sendWorkflowEvent(deps, workflow.id, { type: 'Reconcile' });
    report.workflowsNudged++;
  }
  return report;
}
