import { sendWorkflowEvent } from './advance-workflow';
import type { ControlPlaneDeps } from './deps';

export interface ReconcileReport {
  workflowsNudged: number;
  tasksRedispatched: number;
  tasksReaped: number;
  tasksRetried: number;
}

/** How many times a task that lost its agent is retried before the job fails (DESIGN.md §6: once). */
export const INFRA_RETRIES = 1;
/** A queued task not picked up by compute within this time is dispatched again. */
const REDISPATCH_AFTER_MS = 60_000;

/**
 * Re-derives from the store what should have happened (DESIGN.md §2): every active workflow is re-evaluated
 * (lost conductor events), queued tasks without compute are dispatched again (lost dispatch messages), and
 * running tasks whose agent stopped heart-beating beyond the lease are failed as `infrastructure_fail`,
 * retried once as a new attempt. Safe to run concurrently with everything else and any number of times.
 */
export async function reconcile(deps: ControlPlaneDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { workflowsNudged: 0, tasksRedispatched: 0, tasksReaped: 0, tasksRetried: 0 };
  const now = deps.clock.now().getTime();
  for (const workflow of await deps.pipelines.listActiveWorkflows()) {
    const jobs = await deps.pipelines.listJobs(workflow.id);
    let nudge = true;
    for (const job of jobs) {
      if (job.status !== 'queued' && job.status !== 'running') continue;
      for (const task of job.tasks) {
        if (task.status === 'queued' && !task.computeId && now - Date.parse(job.queuedAt ?? job.createdAt) > REDISPATCH_AFTER_MS) {
          await deps.queue.send('dispatch', { workflowId: workflow.id, jobId: job.id, taskIndex: task.index, attempt: task.attempt });
          report.tasksRedispatched++;
        }
        const silentMs = now - Date.parse(task.heartbeatAt ?? task.startedAt ?? job.queuedAt ?? job.createdAt);
        if (task.status !== 'running' || silentMs <= deps.leaseSeconds * 1000) continue;
        report.tasksReaped++;
        if (task.computeId) await deps.compute.stop(task.computeId, 'agent silent beyond its lease').catch(() => undefined);
        if (job.infraRetries < INFRA_RETRIES) {
          const retried = await deps.pipelines.updateTask(workflow.id, job.id, task.index, { status: 'running', attempt: task.attempt }, {
            status: 'queued',
            attempt: task.attempt + 1,
            computeId: undefined,
            heartbeatAt: undefined,
            startedAt: undefined,
          });
          if (retried) {
            await deps.pipelines.updateJob(workflow.id, job.id, retried.status, { infraRetries: job.infraRetries + 1 });
            await deps.queue.send('dispatch', { workflowId: workflow.id, jobId: job.id, taskIndex: task.index, attempt: task.attempt + 1 });
            report.tasksRetried++;
          }
        } else {
          await deps.pipelines.updateTask(workflow.id, job.id, task.index, { status: 'running', attempt: task.attempt }, {
            status: 'infrastructure_fail',
            stoppedAt: new Date(now).toISOString(),
          });
          await sendWorkflowEvent(deps, workflow.id, { type: 'TaskFinished', jobId: job.id });
          nudge = false;
        }
      }
    }
    if (nudge) {
      await sendWorkflowEvent(deps, workflow.id, { type: 'Reconcile' });
      report.workflowsNudged++;
    }
  }
  return report;
}
