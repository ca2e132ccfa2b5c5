import type { ControlPlaneDeps } from '../deps';
import { failRefusedTask, foreignClassRefusal } from '../runners/runner-isolation';
import type { DispatchMessage } from '../../model/messages';
import { ComputeCapacityError } from '../../model/errors';
import { imagesWithStoredCredentials } from './fargate-registry-credentials';
import { TASK_CODE_TTL_SECONDS, TASK_TOKEN_TTL_SECONDS } from '../runners/task-codes';

export type { DispatchMessage } from '../../model/messages';

/**
 * The dispatcher's use case: start compute for one queued task. Idempotent: a task that is no longer queued
 * at this attempt, or that an instance already claimed, is left alone; a redelivered message launches the same
 * (job, task, attempt) again, which the compute adapter answers with the unit it already started (ECS client
 * token and `startedBy`, the local process and container tables, the runner queue entry). Nothing is written:
 * whoever needs the unit later (cancel, the reaper, SSH) finds it by the task (`JobCompute.find`). A capacity
 * error propagates so the message is retried.
 *
 * A task canceled while its compute starts is not stopped here: its agent is refused the job spec and exits.
 */
export async function dispatchTask(deps: ControlPlaneDeps, msg: DispatchMessage): Promise<void> {
  const job = await deps.pipelines.getJob(msg.workflowId, msg.jobId);
  const task = job?.tasks[msg.taskIndex];
  if (!job || !task || task.status !== 'queued' || task.attempt !== msg.attempt || task.computeId) return;
  // A self-hosted class of another organisation: the job fails with the reason, nothing is dispatched.
  const refusal = await foreignClassRefusal(deps, job);
  if (refusal) return failRefusedTask(deps, job, msg.taskIndex, msg.attempt, refusal);
  // Fargate pulls private images with a stored login (never the password in ECS requests); a login that cannot be made fails the task.
  const pulls = await imagesWithStoredCredentials(deps, job, msg.taskIndex);
  if ('error' in pulls) return failRefusedTask(deps, job, msg.taskIndex, msg.attempt, pulls.error);
  const claims = { workflowId: msg.workflowId, jobId: msg.jobId, taskIndex: msg.taskIndex, attempt: msg.attempt };
  const [taskToken, taskCode] = await Promise.all([
    deps.tokens.signTask(claims, TASK_TOKEN_TTL_SECONDS),
    deps.tokens.signTaskCode(claims, TASK_CODE_TTL_SECONDS),
  ]);
  // Per executor, so the dashboard shows Fargate tasks from what Slipway launched (bare tasks emit no ECS service metrics).
  const dimensions = { executor: job.plan.executor.type };
  await deps.compute
    .launch({
      ...msg,
      projectSlug: job.projectSlug,
      executor: pulls.images === job.plan.executor.images ? job.plan.executor : { ...job.plan.executor, images: pulls.images },
      workingDirectory: job.plan.workingDirectory,
      taskToken,
      taskCode,
      controlPlaneUrl: deps.publicUrl,
      ...(job.sshRerun && { ssh: true }),
    })
    .catch((e: unknown) => {
      deps.metrics?.record('TaskLaunchFailures', 1, dimensions);
      throw e;
    });
  deps.metrics?.record('TasksLaunched', 1, dimensions);
}

/** Seconds before a dispatch that found no capacity is tried again: 15 s, doubling per receive, at most 90 s. */
export function capacityRetryDelaySeconds(receiveCount: number): number {
  return Math.min(90, 15 * 2 ** Math.max(0, receiveCount - 1));
}

/**
 * {@link dispatchTask} for one received queue message. When compute has no capacity right now, the message is
 * made visible again within seconds ({@link capacityRetryDelaySeconds}) rather than after the queue's visibility
 * timeout (six times the dispatcher's timeout), then the error propagates so the message is retried.
 */
export async function dispatchReceived(deps: ControlPlaneDeps, msg: DispatchMessage, received: { receiptHandle: string; receiveCount: number }): Promise<void> {
  try {
    await dispatchTask(deps, msg);
  } catch (error) {
    if (error instanceof ComputeCapacityError && deps.queue.retryIn) {
      await deps.queue.retryIn('dispatch', received.receiptHandle, capacityRetryDelaySeconds(received.receiveCount)).catch(() => undefined);
    }
    throw error;
  }
}
