import type { Job, SerialGroupLock, Workflow } from '../model/entities';
import { isTerminalJob } from '../model/statuses';
import type { WorkflowCommand } from './commands';

/** A job's serial group lock key: serial groups are organisation-wide (`gh/acme` + `/` + group). */
export function serialGroupKeyOf(job: Pick<Job, 'projectSlug' | 'plan'>): string | undefined {
  if (!job.plan.serialGroup) return undefined;
  return `${job.projectSlug.split('/').slice(0, 2).join('/')}/${job.plan.serialGroup}`;
}

/**
 * What a ready job of a serial group does (CircleCI semantics): it runs when the group is free and no one is
 * ahead of it in line; it waits (FIFO) while another job holds the group; it is skipped (`not_run`) when a
 * newer pipeline of its project already holds or waits for the group, so an older commit never runs after a
 * newer one. Pipelines of different projects are served in arrival order.
 */
export function serialGroupCommand(job: Job, workflow: Workflow, locks: Record<string, SerialGroupLock>): WorkflowCommand {
  const key = serialGroupKeyOf(job)!;
  const lock = locks[key];
  const me = { jobId: job.id, workflowId: job.workflowId, projectSlug: job.projectSlug, pipelineNumber: workflow.pipelineNumber, since: '' };
  if (lock.holder?.jobId === job.id) return { type: 'AcquireSerialGroup', jobId: job.id, key };
  const newer = [lock.holder, ...lock.waiters].find(
    (e) => e && e.jobId !== job.id && e.projectSlug === job.projectSlug && e.pipelineNumber > workflow.pipelineNumber,
  );
  if (newer) {
    return {
      type: 'SkipJob',
      jobId: job.id,
      reason: `Skipped: pipeline ${newer.pipelineNumber} of this project is newer and already in serial group ${job.plan.serialGroup}.`,
    };
  }
  const first = lock.waiters.find((w) => w.jobId !== job.id);
  const myTurn = lock.waiters.findIndex((w) => w.jobId === job.id);
  if (!lock.holder && (!first || (myTurn >= 0 && myTurn < lock.waiters.indexOf(first)))) {
    lock.holder = me;
    lock.waiters = lock.waiters.filter((w) => w.jobId !== job.id);
    return { type: 'AcquireSerialGroup', jobId: job.id, key };
  }
  const heldBy = lock.holder ?? first!;
  if (myTurn < 0) lock.waiters.push(me);
  return {
    type: 'WaitSerialGroup',
    jobId: job.id,
    key,
    heldBy: { jobId: heldBy.jobId, pipelineNumber: heldBy.pipelineNumber, projectSlug: heldBy.projectSlug },
  };
}

/** Ended jobs that still hold their serial group or stand in its line give their place up. */
export function serialGroupReleases(jobs: Job[], locks: Record<string, SerialGroupLock>): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const job of jobs) {
    const key = serialGroupKeyOf(job);
    if (!key || !isTerminalJob(job.status) || holdsUntilUnlocked(job, jobs)) continue;
    const lock = locks[key];
    if (lock.holder?.jobId !== job.id && !lock.waiters.some((w) => w.jobId === job.id)) continue;
    commands.push({ type: 'ReleaseSerialGroup', jobId: job.id, key });
    if (lock.holder?.jobId === job.id) lock.holder = undefined;
    lock.waiters = lock.waiters.filter((w) => w.jobId !== job.id);
  }
  return commands;
}

/**
 * A `lock` job that took its group keeps it after it ends, until the `unlock` job of the same key in its
 * workflow has ended, or every job of the workflow has (a lock is never left behind by a finished workflow).
 */
export function holdsUntilUnlocked(job: Job, jobs: Job[]): boolean {
  if (job.type !== 'lock' || job.status !== 'success') return false;
  if (jobs.every((j) => isTerminalJob(j.status))) return false;
  return !jobs.some((j) => j.type === 'unlock' && j.plan.unlocks === job.plan.serialGroup && isTerminalJob(j.status));
}
