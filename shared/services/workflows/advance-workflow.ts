import type { Job, Workflow } from '../../model/entities';
import { isTerminalWorkflow } from '../../model/statuses';
import { reduceWorkflow, type WorkflowCommand } from '../../workflow/reducer';
import { resolveContexts } from '../projects/contexts';
import type { ControlPlaneDeps } from '../deps';
import { announceJobFinished, recordJobStarted, type WorkflowMessage } from './workflow-events';
import { stopTaskCompute } from '../jobs/task-compute';
import { acquireSerialGroup, loadSerialGroups, releaseSerialGroup, waitForSerialGroup } from './serial-groups';

/**
 * The conductor's use case: load the workflow, run the reducer, apply its commands with conditional writes,
 * and dispatch newly queued jobs. A command whose condition fails means another writer got there first; the
 * reducer then runs again on fresh state, so the outcome converges.
 */
export async function advanceWorkflow(deps: ControlPlaneDeps, message: WorkflowMessage): Promise<void> {
  let event = message.event;
  for (let round = 0; round < 5; round++) {
    const workflow = await deps.pipelines.getWorkflow(message.workflowId);
    if (!workflow || isTerminalWorkflow(workflow.status)) return;
    const jobs = await deps.pipelines.listJobs(workflow.id);
    const serialGroups = await loadSerialGroups(deps, jobs);
    const { commands } = reduceWorkflow({ workflow, jobs, serialGroups }, event);
    let conflicted = false;
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const numbers = new JobNumbers(deps, workflow.projectSlug);
    await numbers.reserve(commands.filter((c) => c.type === 'QueueJob').length);
    for (const run of commandRuns(commands)) {
      const applied =
        run.length > 1 ? await queueJobs(deps, workflow.id, byId, run as Command<'QueueJob'>[], numbers) : [await apply(deps, workflow, byId, run[0], numbers)];
      if (applied.includes(false)) conflicted = true;
    }
    if (!conflicted) return;
    event = { type: 'Reconcile' };
  }
}

/** How many jobs one conductor pass queues at once (a fan-out queues many; one at a time they outlast the pass). */
const QUEUE_CONCURRENCY = 16;

/**
 * The commands in order, each consecutive run of `QueueJob`s together (they touch different jobs, so they may
 * run at once); every other command alone.
 */
function commandRuns(commands: readonly WorkflowCommand[]): WorkflowCommand[][] {
  const runs: WorkflowCommand[][] = [];
  for (const cmd of commands) {
    const last = runs[runs.length - 1];
    if (cmd.type === 'QueueJob' && last?.[0].type === 'QueueJob') last.push(cmd);
    else runs.push([cmd]);
  }
  return runs;
}

/**
 * Queues a run of ready jobs, {@link QUEUE_CONCURRENCY} at a time. Their numbers are taken first, in the
 * commands' order, so a fan-out is numbered as the config lists it. Resolves each job's outcome, in order.
 */
async function queueJobs(
  deps: ControlPlaneDeps,
  workflowId: string,
  jobs: Map<string, Job>,
  run: Command<'QueueJob'>[],
  numbers: JobNumbers,
): Promise<boolean[]> {
  const now = deps.clock.now().toISOString();
  const taken = run.map(() => numbers.take());
  const applied: boolean[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < run.length; i = next++) applied[i] = await queueJob(deps, workflowId, jobs.get(run[i].jobId)!, now, () => taken[i]);
  };
  await Promise.all(Array.from({ length: Math.min(QUEUE_CONCURRENCY, run.length) }, worker));
  return applied;
}

/** Why the job may not use its contexts (it then ends `unauthorized`), or `undefined`. */
async function contextDenial(deps: ControlPlaneDeps, job: Job): Promise<string | undefined> {
  if (!job.plan.contexts.length) return undefined;
  const [pipeline, project] = await Promise.all([deps.pipelines.getPipeline(job.pipelineId), deps.projects.getProject(job.projectSlug)]);
  if (!pipeline || !project) return `The pipeline or project of job ${job.name} no longer exists.`;
  const resolved = await resolveContexts(deps, job.plan.contexts, project, pipeline);
  return resolved.ok ? undefined : resolved.reason;
}

/**
 * Job numbers for one pass of the conductor: the pass's `QueueJob` commands (a fan-out queues many at once)
 * take one block with a single counter write; anything beyond it takes numbers one at a time. A number a job
 * does not use (it ends `unauthorized`, or a conflict) is a gap in the project's numbering, as CircleCI has too.
 */
class JobNumbers {
  private next = 0;
  private end = 0;
  constructor(
    private readonly deps: Pick<ControlPlaneDeps, 'projects'>,
    private readonly slug: string,
  ) {}

  async reserve(count: number): Promise<void> {
    if (count < 2) return;
    this.next = await this.deps.projects.nextNumber(this.slug, 'job', count);
    this.end = this.next + count;
  }

  take(): Promise<number> {
    return this.next < this.end ? Promise.resolve(this.next++) : this.deps.projects.nextNumber(this.slug, 'job');
  }
}

type Command<T extends WorkflowCommand['type']> = Extract<WorkflowCommand, { type: T }>;

/** Applies one reducer command; `false` when its conditional write failed (another writer got there first). */
async function apply(deps: ControlPlaneDeps, workflow: Workflow, jobs: Map<string, Job>, cmd: WorkflowCommand, numbers: JobNumbers): Promise<boolean> {
  const now = deps.clock.now().toISOString();
  const workflowId = workflow.id;
  switch (cmd.type) {
    case 'AcquireSerialGroup':
      return acquireAndRun(deps, workflow, jobs.get(cmd.jobId)!, cmd, now, numbers);
    case 'PassJob':
      return passJob(deps, workflowId, cmd.jobId, now, cmd.message);
    case 'WaitSerialGroup':
      await waitForSerialGroup(deps, cmd.key, jobs.get(cmd.jobId)!, workflow, cmd.heldBy);
      return true;
    case 'ReleaseSerialGroup':
      await releaseSerialGroup(deps, cmd.key, cmd.jobId);
      return true;
    case 'QueueJob':
      return queueJob(deps, workflowId, jobs.get(cmd.jobId)!, now, () => numbers.take());
    case 'RetryJob':
      return retryJob(deps, workflowId, jobs.get(cmd.jobId)!, cmd);
    case 'HoldJob':
      return Boolean(await deps.pipelines.updateJob(workflowId, cmd.jobId, 'blocked', { status: 'on_hold' }));
    case 'SkipJob':
      return Boolean(
        await deps.pipelines.updateJob(workflowId, cmd.jobId, 'blocked', { status: 'not_run', stoppedAt: now, ...(cmd.reason ? { message: cmd.reason } : {}) }),
      );
    case 'ApproveJob':
      return Boolean(await deps.pipelines.updateJob(workflowId, cmd.jobId, 'on_hold', { status: 'success', approvedBy: cmd.by, stoppedAt: now }));
    case 'StartJob':
      return startJob(deps, workflowId, jobs.get(cmd.jobId)!, now);
    case 'FinishJob':
      return finishJob(deps, workflowId, jobs.get(cmd.jobId)!, cmd, now);
    case 'CancelJob':
      return cancelJob(deps, workflowId, jobs.get(cmd.jobId)!, cmd, now);
    case 'SetWorkflowStatus':
      return setWorkflowStatus(deps, workflowId, cmd, now);
  }
}

/** Takes the serial group and runs the job, or (another job took it first) stands it in line to wait for the nudge. */
async function acquireAndRun(
  deps: ControlPlaneDeps,
  workflow: Workflow,
  job: Job,
  cmd: Command<'AcquireSerialGroup'>,
  now: string,
  numbers: JobNumbers,
): Promise<boolean> {
  // Another job took the group first: this one stands in line (acquire put it there) and waits for the nudge.
  if (!(await acquireSerialGroup(deps, cmd.key, job, workflow))) {
    await waitForSerialGroup(deps, cmd.key, job, workflow);
    return true;
  }
  // A `lock` job runs nothing: holding the group is its work.
  return job.type === 'lock' ? passJob(deps, workflow.id, job.id, now) : queueJob(deps, workflow.id, job, now, () => numbers.take());
}

/** Requeues the failed tasks of a job (automatic rerun) with their next attempt and dispatches them. */
async function retryJob(deps: ControlPlaneDeps, workflowId: string, job: Job, cmd: Command<'RetryJob'>): Promise<boolean> {
  const tasks = job.tasks.map((t) =>
    cmd.taskIndexes.includes(t.index) ? { index: t.index, status: 'queued' as const, attempt: t.attempt + 1, steps: [] } : t,
  );
  const retried = await deps.pipelines.updateJob(workflowId, job.id, cmd.from, { status: 'queued', autoReruns: (job.autoReruns ?? 0) + 1, tasks });
  if (!retried) return false;
  await deps.queue.sendMany(
    'dispatch',
    cmd.taskIndexes.map((i) => ({ body: { workflowId, jobId: job.id, taskIndex: i, attempt: tasks[i].attempt } })),
  );
  return true;
}

/** queued → running, started when its first task started. */
async function startJob(deps: ControlPlaneDeps, workflowId: string, job: Job, now: string): Promise<boolean> {
  const startedAt =
    job.tasks
      .map((t) => t.startedAt)
      .filter(Boolean)
      .sort()[0] ?? now;
  const started = await deps.pipelines.updateJob(workflowId, job.id, 'queued', { status: 'running', startedAt });
  if (started) recordJobStarted(deps, job, startedAt);
  return Boolean(started);
}

/** Ends a job with its final status and announces it. */
async function finishJob(deps: ControlPlaneDeps, workflowId: string, job: Job, cmd: Command<'FinishJob'>, now: string): Promise<boolean> {
  const startedAt =
    job.startedAt ??
    job.tasks
      .map((t) => t.startedAt)
      .filter(Boolean)
      .sort()[0];
  const done = await deps.pipelines.updateJob(workflowId, cmd.jobId, cmd.from, { status: cmd.status, startedAt, stoppedAt: now });
  if (done) await announceJobFinished(deps, workflowId, cmd.jobId, cmd.status, { startedAt, stoppedAt: now });
  return Boolean(done);
}

async function cancelJob(deps: ControlPlaneDeps, workflowId: string, job: Job, cmd: Command<'CancelJob'>, now: string): Promise<boolean> {
  const canceled = await deps.pipelines.updateJob(workflowId, cmd.jobId, cmd.from, { status: 'canceled', canceledBy: cmd.by, stoppedAt: now });
  if (!canceled) return false;
  // Running agents learn of the cancel from their next heartbeat reply; compute is stopped as a backstop.
  for (const t of job.tasks) if (t.status === 'running') await stopTaskCompute(deps, job, t, 'canceled');
  return true;
}

async function setWorkflowStatus(deps: ControlPlaneDeps, workflowId: string, cmd: Command<'SetWorkflowStatus'>, now: string): Promise<boolean> {
  const terminal = isTerminalWorkflow(cmd.status);
  const updated = await deps.pipelines.updateWorkflow(workflowId, cmd.from, {
    status: cmd.status,
    ...(terminal ? { stoppedAt: now } : {}),
    ...(cmd.status === 'canceled' && cmd.by ? { canceledBy: cmd.by } : {}),
  });
  if (updated && terminal) await deps.queue.send('notify', { type: 'WorkflowFinished', workflowId, status: cmd.status });
  return Boolean(updated);
}

/** A job that runs nothing ends `success` at once (blocked → success) and is announced like any other. */
async function passJob(deps: ControlPlaneDeps, workflowId: string, jobId: string, now: string, message?: string): Promise<boolean> {
  const done = await deps.pipelines.updateJob(workflowId, jobId, 'blocked', { status: 'success', stoppedAt: now, ...(message ? { message } : {}) });
  if (done) await announceJobFinished(deps, workflowId, jobId, 'success', { stoppedAt: now });
  return Boolean(done);
}

/** Queues a ready job (blocked → queued) with its number and dispatches its tasks; `false` when another writer moved it first. */
async function queueJob(deps: ControlPlaneDeps, workflowId: string, job: Job, now: string, takeNumber: () => Promise<number>): Promise<boolean> {
  const denied = await contextDenial(deps, job);
  if (denied) {
    // Not queued: the job ends `unauthorized`; returning false makes the reducer run again on fresh state.
    await deps.pipelines.updateJob(workflowId, job.id, 'blocked', { status: 'unauthorized', message: denied, stoppedAt: now });
    return false;
  }
  const number = await takeNumber();
  let queued = await deps.pipelines.updateJob(workflowId, job.id, 'blocked', {
    status: 'queued',
    number,
    projectSlug: job.projectSlug,
    queuedAt: now,
    tasks: job.tasks.map((t) => ({ ...t, status: 'queued' })),
  });
  if (!queued) {
    // The write may have landed with its response lost (the SDK's retry then fails the condition). The job
    // number is ours alone, so finding it on the job proves it: dispatch now rather than wait for the
    // reconciler. Dispatch is idempotent, so a duplicate message costs nothing.
    const current = await deps.pipelines.getJob(workflowId, job.id);
    if (current?.status !== 'queued' || current.number !== number) return false;
    queued = current;
  }
  await deps.queue.sendMany(
    'dispatch',
    queued.tasks.map((t) => ({ body: { workflowId, jobId: job.id, taskIndex: t.index, attempt: t.attempt } })),
  );
  deps.metrics?.record('JobsQueued', 1);
  // A pending commit status; best effort (the final status follows from JobFinished).
  if (deps.commitStatuses) await deps.queue.send('notify', { type: 'JobQueued', workflowId, jobId: job.id }).catch(() => undefined);
  return true;
}
