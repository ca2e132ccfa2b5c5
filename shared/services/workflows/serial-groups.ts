import type { Job, Workflow } from '../../model/entities';
import { isTerminalJob } from '../../model/statuses';
import type { SerialGroupEntry, SerialGroupLock } from '../../ports/pipeline-store';
import { holdsUntilUnlocked, serialGroupKeyOf } from '../../workflow/serial-groups';
import { sendWorkflowEvent } from './workflow-events';
import type { ControlPlaneDeps } from '../deps';

/** Compare-and-set rounds before a lock change gives up (each round re-reads the lock). */
const CAS_ROUNDS = 20;
type Deps = Pick<ControlPlaneDeps, 'pipelines' | 'queue' | 'clock'>;

/**
 * Changes a lock with a compare-and-set loop: `change` gets the fresh lock and returns the lock to write, or
 * `undefined` for no change. Whenever the group ends up free with someone in line, the first in line's
 * workflow is nudged, so it takes the group without waiting for the reconciler. Resolves the final lock.
 */
async function changeLock(deps: Deps, key: string, change: (lock: SerialGroupLock) => SerialGroupLock | undefined): Promise<SerialGroupLock> {
  for (let round = 0; round < CAS_ROUNDS; round++) {
    const lock = await deps.pipelines.getSerialGroup(key);
    const next = change(structuredClone(lock));
    if (!next) return lock;
    const written = await deps.pipelines.putSerialGroup(next);
    if (!written) continue;
    if (!written.holder && written.waiters[0]) await sendWorkflowEvent(deps, written.waiters[0].workflowId, { type: 'Reconcile' });
    return written;
  }
  throw new Error(`Serial group ${key} is changing too often to update; the conductor retries the event.`);
}

/** Whether a lock entry's job has left the group without giving its place up (ended, or gone). */
async function stale(deps: Deps, entry: SerialGroupEntry, waiting: boolean): Promise<boolean> {
  const job = await deps.pipelines.getJob(entry.workflowId, entry.jobId);
  // A `lock` job holds its group past its own end, until its workflow unlocks it.
  if (job && !waiting && job.type === 'lock' && job.status === 'success') return !holdsUntilUnlocked(job, await deps.pipelines.listJobs(entry.workflowId));
  return !job || isTerminalJob(job.status) || (waiting && job.status !== 'blocked');
}

/**
 * The locks of the serial groups of a workflow's jobs, healed first: a holder or first in line whose job
 * ended without releasing its place (a crash between two writes) is removed, so a group never stays taken.
 */
export async function loadSerialGroups(deps: Deps, jobs: Job[]): Promise<Record<string, SerialGroupLock> | undefined> {
  const keys = [...new Set(jobs.map(serialGroupKeyOf).filter((k): k is string => Boolean(k)))];
  if (!keys.length) return undefined;
  const locks: Record<string, SerialGroupLock> = {};
  for (const key of keys) {
    let lock = await deps.pipelines.getSerialGroup(key);
    const staleHolder = lock.holder && (await stale(deps, lock.holder, false)) ? lock.holder.jobId : undefined;
    const staleFirst = !lock.holder || staleHolder ? await firstStaleWaiters(deps, lock.waiters) : [];
    if (staleHolder || staleFirst.length) {
      lock = await changeLock(deps, key, (l) => ({
        ...l,
        holder: l.holder?.jobId === staleHolder ? undefined : l.holder,
        waiters: l.waiters.filter((w) => !staleFirst.includes(w.jobId)),
      }));
    }
    locks[key] = lock;
  }
  return locks;
}

/** The ids of the waiters at the head of the line whose jobs no longer wait (bounded). */
async function firstStaleWaiters(deps: Deps, waiters: SerialGroupEntry[]): Promise<string[]> {
  const gone: string[] = [];
  for (const w of waiters.slice(0, 5)) {
    if (!(await stale(deps, w, true))) break;
    gone.push(w.jobId);
  }
  return gone;
}

const entryOf = (job: Job, workflow: Workflow, since: string): SerialGroupEntry => ({
  jobId: job.id,
  workflowId: workflow.id,
  projectSlug: job.projectSlug,
  pipelineNumber: workflow.pipelineNumber,
  since,
});

/**
 * Takes a serial group for a job. Resolves `true` when the job holds it (now or already), `false` when
 * another job took it first: the job then stands in line (once) and waits for the nudge of the release.
 */
export async function acquireSerialGroup(deps: Deps, key: string, job: Job, workflow: Workflow): Promise<boolean> {
  const now = deps.clock.now().toISOString();
  const lock = await changeLock(deps, key, (l) => {
    if (l.holder?.jobId === job.id) return undefined;
    const ahead = l.waiters.findIndex((w) => w.jobId !== job.id);
    const mine = l.waiters.findIndex((w) => w.jobId === job.id);
    if (!l.holder && (ahead < 0 || (mine >= 0 && mine < ahead))) {
      return { ...l, holder: entryOf(job, workflow, now), waiters: l.waiters.filter((w) => w.jobId !== job.id) };
    }
    return mine >= 0 ? undefined : { ...l, waiters: [...l.waiters, entryOf(job, workflow, now)] };
  });
  return lock.holder?.jobId === job.id;
}

/** Puts a job in a serial group's line (once) and says on the job what it waits for. */
export async function waitForSerialGroup(
  deps: Deps,
  key: string,
  job: Job,
  workflow: Workflow,
  heldBy?: { pipelineNumber: number; projectSlug: string },
): Promise<void> {
  const now = deps.clock.now().toISOString();
  await changeLock(deps, key, (l) =>
    l.holder?.jobId === job.id || l.waiters.some((w) => w.jobId === job.id) ? undefined : { ...l, waiters: [...l.waiters, entryOf(job, workflow, now)] },
  );
  const who = heldBy ? ` (pipeline ${heldBy.pipelineNumber} of ${heldBy.projectSlug} is ahead)` : '';
  await deps.pipelines.updateJob(workflow.id, job.id, 'blocked', { message: `Waiting for serial group ${job.plan.serialGroup}${who}.` });
}

/** Gives up a job's hold on (or place in line for) a serial group. Safe to call twice. */
export async function releaseSerialGroup(deps: Deps, key: string, jobId: string): Promise<void> {
  await changeLock(deps, key, (l) =>
    l.holder?.jobId !== jobId && !l.waiters.some((w) => w.jobId === jobId)
      ? undefined
      : { ...l, holder: l.holder?.jobId === jobId ? undefined : l.holder, waiters: l.waiters.filter((w) => w.jobId !== jobId) },
  );
}
