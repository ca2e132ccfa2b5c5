import type { ControlPlaneDeps } from '../deps';
import { failRefusedTask, foreignClassRefusal } from '../runners/runner-isolation';
import type { DispatchMessage } from '../../model/messages';

export type { DispatchMessage } from '../../model/messages';

/** How long a task token stays valid: long enough to wait for capacity, short enough to be useless later. */
const TASK_TOKEN_TTL_SECONDS = 6 * 3600;

/**
 * The dispatcher's use case: start compute for one queued task. Idempotent: a task that is no longer queued
 * at this attempt, or already has compute, is left alone; the compute adapter itself is idempotent per
 * (job, task, attempt). A capacity error propagates so the message is retried.
 */
export async function dispatchTask(deps: ControlPlaneDeps, msg: DispatchMessage): Promise<void> {
  const job = await deps.pipelines.getJob(msg.workflowId, msg.jobId);
  const task = job?.tasks[msg.taskIndex];
  if (!job || !task || task.status !== 'queued' || task.attempt !== msg.attempt || task.computeId) return;
  // A self-hosted class of another organisation: the job fails with the reason, nothing is dispatched.
  const refusal = await foreignClassRefusal(deps, job);
  if (refusal) return failRefusedTask(deps, job, msg.taskIndex, msg.attempt, refusal);
  const taskToken = await deps.tokens.signTask(msg, TASK_TOKEN_TTL_SECONDS);
  // Per executor, so the dashboard shows Fargate tasks from what Slipway launched (bare tasks emit no ECS service metrics).
  const dimensions = { executor: job.plan.executor.type };
  const { computeId } = await deps.compute
    .launch({
      ...msg,
      projectSlug: job.projectSlug,
      executor: job.plan.executor,
      workingDirectory: job.plan.workingDirectory,
      taskToken,
      controlPlaneUrl: deps.publicUrl,
      ...(job.sshRerun && { ssh: true }),
    })
    .catch((e: unknown) => {
      deps.metrics?.record('TaskLaunchFailures', 1, dimensions);
      throw e;
    });
  deps.metrics?.record('TasksLaunched', 1, dimensions);
  const recorded = await deps.pipelines.updateTask(msg.workflowId, msg.jobId, msg.taskIndex, { status: ['queued', 'running'], attempt: msg.attempt }, { computeId });
  if (!recorded) await deps.compute.stop(computeId, 'task no longer queued').catch(() => undefined);
}
