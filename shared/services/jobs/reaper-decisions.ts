import type { Job, Pipeline, TaskState } from '../../model/entities';

/**
 * The reaper's and reconciler's policies as pure decisions (DESIGN.md §2): one item, the time and the limits in,
 * what to do and why out. `reconcile` applies them; every change it makes stays conditional on what it saw.
 *
 * The six policies:
 * 1. a pipeline left `pending` beyond `retriggerPendingAfterSeconds` gets its trigger sent again;
 * 2. a task still queued beyond `maxQueuedSeconds` fails (its compute stopped), the job saying why;
 * 3. a queued task still queued after a minute is dispatched again unless its compute is found (a lost dispatch
 *    message; the dispatcher records no compute, so `reconcile` asks the compute port before sending);
 * 4. a task running beyond `maxJobRuntimeSeconds` ends `timedout` (its compute stopped);
 * 5. a task whose agent is silent beyond the lease, or whose compute is known lost, is retried as a new attempt
 *    while infrastructure retries remain;
 * 6. ... and otherwise ends `infrastructure_fail`.
 */
export interface ReaperLimits {
  /** How many times a task that lost its agent is retried before the job fails (DESIGN.md §6: once). */
  infraRetries: number;
  /** CircleCI's maximum job runtime: a task running longer ends `timedout`. */
  maxJobRuntimeSeconds: number;
  /** A job still queued (no agent started) after this long is failed with a reason. */
  maxQueuedSeconds: number;
  /** A pipeline still `pending` this long after its creation lost its trigger message: it is sent again. */
  retriggerPendingAfterSeconds: number;
  /** How long an agent may stay silent (no heartbeat) before its task is reaped. */
  leaseSeconds: number;
}

/** A queued task not picked up by compute within this time is dispatched again. */
export const REDISPATCH_AFTER_MS = 60_000;

export type PipelineDecision = { kind: 'retrigger' | 'leave'; reason: string };

/** Whether (and why) a task's compute is stopped, where the decision ends the task: the compute port finds the unit. */
type Stop = { stopCompute: boolean; stopReason: string };

export type TaskDecision =
  | { kind: 'leave'; reason: string }
  /** Policy 3: send the dispatch message again, unless the task's compute is found. */
  | { kind: 'redispatch'; reason: string }
  /** Policy 2: end the queued task `failed`, with `message` on the job. */
  | ({ kind: 'expire'; reason: string; message: string } & Stop)
  /** Policy 4: end the running task `timedout`. */
  | ({ kind: 'time_out'; reason: string } & Stop)
  /** Policy 5: queue the task again as a new attempt, spending one infrastructure retry. */
  | ({ kind: 'retry'; reason: string; message?: string } & Stop)
  /** Policy 6: end the task `infrastructure_fail`. */
  | ({ kind: 'fail_infrastructure'; reason: string; message?: string } & Stop);

/** Policy 1: a pipeline still `pending` long after its creation lost its trigger message. */
export function decidePipeline(
  pipeline: Pick<Pipeline, 'state' | 'createdAt'>,
  now: number,
  limits: Pick<ReaperLimits, 'retriggerPendingAfterSeconds'>,
): PipelineDecision {
  if (pipeline.state !== 'pending') return { kind: 'leave', reason: `pipeline is ${pipeline.state}` };
  const age = now - Date.parse(pipeline.createdAt);
  if (age <= limits.retriggerPendingAfterSeconds * 1000) return { kind: 'leave', reason: 'pending within the trigger delay' };
  return { kind: 'retrigger', reason: `pending for ${Math.round(age / 1000)} s` };
}

/** The known loss of a task's compute (a Spot interruption, a stopped Fargate task), with the reason kept as the job's message. */
export interface LostCompute {
  lost: boolean;
  reason?: string;
}

/**
 * What the reaper does with one task of a job at `now`: usually one decision; a queued task without compute that
 * a runner claimed (it has a heartbeat) may be both dispatched again and reaped.
 */
export function decideTask(job: Job, task: TaskState, now: number, limits: ReaperLimits, lost: LostCompute = { lost: false }): TaskDecision[] {
  if (job.status !== 'queued' && job.status !== 'running') return [{ kind: 'leave', reason: `job is ${job.status}` }];
  const queuedFor = now - Date.parse(job.queuedAt ?? job.createdAt);
  if (task.status === 'queued' && queuedFor > limits.maxQueuedSeconds * 1000) {
    const message = `No agent started this job within ${limits.maxQueuedSeconds} seconds of queueing; check the capacity for resource class ${job.plan.executor.resourceClass}.`;
    return [{ kind: 'expire', reason: 'queued beyond the limit', message, stopCompute: true, stopReason: 'queued beyond the limit' }];
  }
  const decisions: TaskDecision[] = [];
  if (task.status === 'queued' && !task.computeId && queuedFor > REDISPATCH_AFTER_MS)
    decisions.push({ kind: 'redispatch', reason: 'queued beyond the dispatch delay' });
  const reaped = reapDecision(job, task, now, limits, lost);
  if (reaped) decisions.push(reaped);
  return decisions.length ? decisions : [{ kind: 'leave', reason: `task is ${task.status} and within its limits` }];
}

/** Policies 4 to 6, for a running task, or a queued one a runner claimed (a heartbeat) or whose compute is lost. */
function reapDecision(job: Job, task: TaskState, now: number, limits: ReaperLimits, lost: LostCompute): TaskDecision | undefined {
  if (task.status !== 'running' && !(task.status === 'queued' && (task.heartbeatAt || lost.lost))) return undefined;
  if (task.startedAt && now - Date.parse(task.startedAt) > limits.maxJobRuntimeSeconds * 1000) {
    return { kind: 'time_out', reason: 'maximum job runtime reached', stopCompute: true, stopReason: 'maximum job runtime reached' };
  }
  const silentMs = now - Date.parse(task.heartbeatAt ?? task.startedAt ?? job.queuedAt ?? job.createdAt);
  if (silentMs <= limits.leaseSeconds * 1000 && !lost.lost) return undefined;
  const reason = lost.lost ? 'compute lost' : 'agent silent beyond its lease';
  const stop = { stopCompute: true, stopReason: 'agent silent beyond its lease' };
  const message = lost.lost && lost.reason ? { message: lost.reason } : {};
  if (job.infraRetries < limits.infraRetries) return { kind: 'retry', reason, ...stop, ...message };
  return { kind: 'fail_infrastructure', reason, ...stop, ...message };
}
