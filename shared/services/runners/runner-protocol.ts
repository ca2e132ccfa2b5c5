import type { Job, Project, StepResult } from '../../model/entities';
import { NotFoundError, ConflictError, ValidationError } from '../../model/errors';
import type { JobSpec, StepReport } from '../../model/job-spec';
import type { JobStatus } from '../../model/statuses';
import { announceJobFinished, recordJobStarted, sendWorkflowEvent } from '../workflows/workflow-events';
import type { ControlPlaneDeps } from '../deps';
import { buildJobEnvironment } from '../jobs/job-environment';
import { mintJobOidcTokens } from '../oidc/job-tokens';
import { jobSshKeys } from '../ssh/ssh-keys';
import { execSessionActive } from '../ssh/exec-session-activity';
import { authorizedSshKeys, machineSshListener, SSH_IDLE_SECONDS, SSH_MAX_SECONDS } from '../ssh/ssh-access';
import type { TaskClaims } from '../identity/tokens';
import { resolveRegistryAuth } from './registry-auth';

/** Final statuses an agent may report for its task. */
const AGENT_FINAL: readonly JobStatus[] = ['success', 'failed', 'canceled', 'timedout', 'infrastructure_fail'];

/** The job of a task token's task; 404 when gone, 409 when the attempt was superseded. */
export async function loadTask(deps: Pick<ControlPlaneDeps, 'pipelines'>, c: TaskClaims): Promise<Job> {
  const job = await deps.pipelines.getJob(c.workflowId, c.jobId);
  const task = job?.tasks[c.taskIndex];
  if (!job || !task) throw new NotFoundError('Task not found');
  if (task.attempt !== c.attempt) throw new ConflictError(`This task attempt (${c.attempt}) was superseded by attempt ${task.attempt}.`);
  return job;
}

/** Presigned URLs handed to agents (logs, caches, workspaces, artifacts, test results) expire this soon. */
export const PRESIGNED_URL_TTL_SECONDS = 600;

/**
 * The job of a task token's task that is still running: a token whose task ended (completed, canceled, reaped)
 * writes nothing more and gets no new upload URL (409).
 */
export async function loadRunningTask(deps: Pick<ControlPlaneDeps, 'pipelines'>, c: TaskClaims): Promise<Job> {
  const job = await loadTask(deps, c);
  const status = job.tasks[c.taskIndex].status;
  if (status !== 'running') throw new ConflictError(`Task is ${status}; its token no longer writes.`);
  return job;
}

/** The pipeline, workflow and project of a job (404 when one is gone). */
export async function loadJobContext(deps: Pick<ControlPlaneDeps, 'pipelines' | 'projects'>, job: Job) {
  const [pipeline, workflow, project] = await Promise.all([
    deps.pipelines.getPipeline(job.pipelineId),
    deps.pipelines.getWorkflow(job.workflowId),
    deps.projects.getProject(job.projectSlug),
  ]);
  if (!pipeline || !workflow || !project) throw new NotFoundError('Pipeline, workflow or project of this task no longer exists.');
  return { pipeline, workflow, project };
}

/**
 * The spec's `ssh` of a task rerun with SSH: the limits, who may connect, and where to listen (on an EC2 machine:
 * loopback at a fixed port, with the Session Manager command to show).
 */
export async function sshSpec(deps: ControlPlaneDeps, project: Project, computeId: string | undefined): Promise<NonNullable<JobSpec['ssh']>> {
  const { machineSsm, ...sessions } = deps.sshSessions ?? { idleSeconds: SSH_IDLE_SECONDS, maxSeconds: SSH_MAX_SECONDS };
  return { ...sessions, ...machineSshListener(machineSsm, computeId), authorizedKeys: await authorizedSshKeys(deps, project) };
}

/** A task's pipeline, workflow and project, read from its workflow (which the task's claims name). */
export async function loadTaskContext(deps: Pick<ControlPlaneDeps, 'pipelines' | 'projects'>, c: TaskClaims): Promise<JobContext> {
  const workflow = await deps.pipelines.getWorkflow(c.workflowId);
  if (!workflow) throw new NotFoundError('Pipeline, workflow or project of this task no longer exists.');
  const [pipeline, project] = await Promise.all([deps.pipelines.getPipeline(workflow.pipelineId), deps.projects.getProject(workflow.projectSlug)]);
  if (!pipeline || !project) throw new NotFoundError('Pipeline, workflow or project of this task no longer exists.');
  return { pipeline, workflow, project };
}

export type JobContext = Awaited<ReturnType<typeof loadJobContext>>;

/**
 * The job spec for a task that is queued or running at this attempt (`loaded`: its job, already read and
 * checked; `context`: its pipeline, workflow and project, already read).
 */
export async function getTaskSpec(deps: ControlPlaneDeps, c: TaskClaims, loaded?: Job, context?: JobContext): Promise<JobSpec> {
  const job = loaded ?? (await loadTask(deps, c));
  const task = job.tasks[c.taskIndex];
  if (task.status !== 'queued' && task.status !== 'running') throw new ConflictError(`Task is ${task.status}; nothing to run.`);
  const { pipeline, workflow, project } = context ?? (await loadJobContext(deps, job));
  const access = await deps.repos.checkoutAccess(project);
  const [{ environment, secrets }, keys, oidc] = await Promise.all([
    buildJobEnvironment(deps, { job, pipeline, workflow, project, taskIndex: c.taskIndex }),
    jobSshKeys(deps, project.slug),
    mintJobOidcTokens(deps, { job, pipeline, workflow, project }),
  ]);
  // Agents that pull the job's images (docker executor) get their registry logins; Fargate pulls with its execution role.
  const executor = job.plan.executor;
  const pulls =
    deps.registryTokens && executor.type === 'docker' && executor.images.some((i) => i.auth || i.awsAuth)
      ? await resolveRegistryAuth(executor.images, { ...environment, ...oidc }, deps.registryTokens, job.id)
      : undefined;
  const ssh = job.sshRerun ? await sshSpec(deps, project, task.computeId) : undefined;
  return {
    protocol: 1,
    job: {
      id: job.id,
      name: job.name,
      number: job.number ?? 0,
      workflowId: workflow.id,
      workflowName: workflow.name,
      pipelineId: pipeline.id,
      pipelineNumber: pipeline.number,
      projectSlug: job.projectSlug,
      buildUrl: `${deps.publicUrl}/pipelines/${job.projectSlug}/${pipeline.number}/workflows/${workflow.id}/jobs/${job.number}`,
    },
    task: { index: c.taskIndex, total: job.tasks.length, attempt: c.attempt },
    plan: pulls ? { ...job.plan, executor: { ...executor, images: pulls.images } } : job.plan,
    // Minted per task attempt and delivered here only (CircleCI's names).
    environment: { ...environment, ...oidc },
    secrets: [...secrets, ...keys.secrets, ...Object.values(oidc), ...(pulls?.secrets ?? [])],
    checkout: {
      ...access,
      revision: pipeline.vcs.revision,
      branch: pipeline.vcs.branch,
      tag: pipeline.vcs.tag,
      ...(keys.checkoutKey ? { sshKey: keys.checkoutKey } : {}),
    },
    ...(keys.sshKeys ? { sshKeys: keys.sshKeys } : {}),
    ...(ssh && { ssh }),
    // Several heartbeats per lease, so one lost beat never reaps a live agent; at most every 15 s (DESIGN.md §6).
    heartbeatSeconds: Math.max(1, Math.min(15, Math.floor(deps.leaseSeconds / 3))),
  };
}

/** The agent accepted the task: queued → running. Safe to call twice. Resolves the job as stored after the start. */
export async function startTask(deps: ControlPlaneDeps, c: TaskClaims): Promise<Job> {
  const now = deps.clock.now().toISOString();
  const expected = { status: 'queued' as const, attempt: c.attempt };
  const patch = { status: 'running' as const, startedAt: now, heartbeatAt: now };
  // The first task to start starts its queued job in the same write: the conductor has nothing to do then.
  const started = await deps.pipelines.updateTask(c.workflowId, c.jobId, c.taskIndex, expected, patch, {
    expected: 'queued',
    patch: { status: 'running', startedAt: now },
  });
  if (started) {
    recordJobStarted(deps, started, now);
    return started;
  }
  const job = await deps.pipelines.updateTask(c.workflowId, c.jobId, c.taskIndex, expected, patch);
  if (!job) {
    const current = await loadTask(deps, c);
    if (current.tasks[c.taskIndex].status !== 'running') throw new ConflictError(`Task is ${current.tasks[c.taskIndex].status}; it cannot start.`);
    return current;
  }
  await sendWorkflowEvent(deps, c.workflowId, { type: 'TaskFinished', jobId: c.jobId });
  return job;
}

function toStepResults(reports: StepReport[], taskIndex: number): StepResult[] {
  return reports.map((r) => ({
    index: r.index,
    name: r.name,
    type: r.type,
    actions: [
      {
        index: taskIndex,
        status: r.status,
        startedAt: r.startedAt,
        stoppedAt: r.stoppedAt,
        exitCode: r.exitCode,
        outputBytes: r.outputBytes,
        ...(r.failureReason && { failureReason: r.failureReason }),
        ...(r.output !== undefined && { output: r.output }),
        ...(r.restoredCache !== undefined && { restoredCache: r.restoredCache }),
      },
    ],
  }));
}

/** A job viewed within this long is `live`: its agent uploads output every ~2 s and reports more often. */
export const WATCH_LIVE_MS = 30_000;
/** Viewing a job writes `watchedAt` at most this often. */
export const WATCH_WRITE_MS = 10_000;

/**
 * Someone is viewing a job (its detail or a step's output): while it is queued or running, mark it watched so
 * its agent streams live; skipped when the mark is fresh, so polling viewers cost a write per job per 10 s.
 */
export async function watchJob(deps: Pick<ControlPlaneDeps, 'pipelines' | 'clock'>, job: Job): Promise<void> {
  if (job.status !== 'queued' && job.status !== 'running') return;
  const now = deps.clock.now().getTime();
  if (job.watchedAt && now - Date.parse(job.watchedAt) < WATCH_WRITE_MS) return;
  await deps.pipelines.markJobWatched(job.workflowId, job.id, new Date(now).toISOString(), new Date(now - WATCH_WRITE_MS).toISOString());
}

/** The heartbeat reply (DESIGN.md §6); optional fields appear only when true, so older agents ignore them. */
export interface HeartbeatReply {
  cancel: boolean;
  /** Someone watches the job: report (and stream output) more often. */
  live?: true;
  /** A job rerun with SSH on Fargate: an ECS Exec session into the task is open (checked at most once a minute). */
  sshActive?: true;
}

/**
 * Records liveness, with the agent's step progress when it sends it (the full list each time, batched) in the
 * same write; nothing is stored once the task has ended. The reply tells the agent to stop when the job was
 * canceled or the task ended, says `live` while someone watches the job, and `sshActive` while someone has an
 * ECS Exec shell in the task of a job rerun with SSH (which the agent cannot see; its idle wait counts it).
 */
export async function heartbeat(deps: ControlPlaneDeps, c: TaskClaims, steps?: StepReport[]): Promise<HeartbeatReply> {
  const at = deps.clock.now();
  if (!steps) {
    // A bare beat while the stored one is fresh writes nothing (a read costs a tenth of rewriting the item):
    // the reaper then sees a beat at most a third of the lease plus one beat interval old, well within the lease.
    const current = await deps.pipelines.getJob(c.workflowId, c.jobId);
    const task = current?.tasks[c.taskIndex];
    const fresh = task?.heartbeatAt !== undefined && at.getTime() - Date.parse(task.heartbeatAt) < heartbeatRefreshMs(deps.leaseSeconds);
    if (current && task?.status === 'running' && task.attempt === c.attempt && fresh) return heartbeatReply(deps, current, c, at);
  }
  const job = await deps.pipelines.updateTask(
    c.workflowId,
    c.jobId,
    c.taskIndex,
    { status: 'running', attempt: c.attempt },
    { heartbeatAt: at.toISOString(), ...(steps && { steps: toStepResults(steps, c.taskIndex) }) },
  );
  // Nothing written: the task ended (or its attempt was superseded). 409 tells the agent to stop.
  if (!job) throw new ConflictError('Task is no longer running; its token no longer writes.');
  return heartbeatReply(deps, job, c, at);
}

/** A bare heartbeat rewrites the stored one only when it is at least this old: a third of the lease. */
export const heartbeatRefreshMs = (leaseSeconds: number): number => (leaseSeconds * 1000) / 3;

async function heartbeatReply(deps: ControlPlaneDeps, job: Job, c: TaskClaims, at: Date): Promise<HeartbeatReply> {
  const live = job.watchedAt !== undefined && at.getTime() - Date.parse(job.watchedAt) < WATCH_LIVE_MS;
  const sshActive = await execSessionActive(deps, job, c.taskIndex);
  return { cancel: job.status === 'canceled', ...(live && { live }), ...(sshActive && { sshActive }) };
}

/**
 * The task ended: store its final steps and status, then nudge the conductor. Safe to call twice: a replay of
 * the same completion succeeds; any other report on an ended task (canceled, reaped, completed otherwise) is
 * a 409.
 */
export async function completeTask(deps: ControlPlaneDeps, c: TaskClaims, input: { status: JobStatus; steps: StepReport[] }): Promise<void> {
  if (!AGENT_FINAL.includes(input.status)) throw new ValidationError(`status must be one of ${AGENT_FINAL.join(', ')}`);
  const now = deps.clock.now().toISOString();
  const expected = { status: 'running' as const, attempt: c.attempt };
  const patch = { status: input.status, stoppedAt: now, steps: toStepResults(input.steps, c.taskIndex) };
  // A one-task job that succeeded is finished in the same write (what the conductor's FinishJob would do,
  // which then has nothing to do); failures go through the conductor, which may rerun them.
  const finished =
    input.status === 'success' &&
    (await deps.pipelines.updateTask(c.workflowId, c.jobId, c.taskIndex, expected, patch, {
      expected: 'running',
      patch: { status: 'success', stoppedAt: now },
      soleTask: true,
    }));
  if (finished) {
    await announceJobFinished(deps, c.workflowId, c.jobId, 'success', { startedAt: finished.startedAt, stoppedAt: now });
  } else if (!(await deps.pipelines.updateTask(c.workflowId, c.jobId, c.taskIndex, expected, patch))) {
    const current = (await loadTask(deps, c)).tasks[c.taskIndex].status;
    if (current !== input.status) throw new ConflictError(`Task already ended ${current}; its token no longer writes.`);
  }
  await sendWorkflowEvent(deps, c.workflowId, { type: 'TaskFinished', jobId: c.jobId }, `${c.jobId}:${c.taskIndex}:${c.attempt}:done`);
}

/** Where a step's output chunks live: `logs/<job>/<task>/<attempt>/<step>/<seq>`. */
export function logPrefix(jobId: string, taskIndex: number, attempt: number, step: number): string {
  return `logs/${jobId}/${taskIndex}/${attempt}/${String(step).padStart(4, '0')}/`;
}

/** Presigned PUT URLs for the next `count` output chunks of a step. */
export async function logUploadUrls(deps: ControlPlaneDeps, c: TaskClaims, input: { step: number; from: number; count: number }): Promise<string[]> {
  if (!Number.isInteger(input.step) || input.step < 0 || !Number.isInteger(input.from) || input.from < 0) {
    throw new ValidationError('step and from must be non-negative integers');
  }
  const count = Math.min(Math.max(1, input.count | 0), 64);
  await loadRunningTask(deps, c);
  const prefix = logPrefix(c.jobId, c.taskIndex, c.attempt, input.step);
  return Promise.all(
    Array.from({ length: count }, (_, i) => deps.blobs.presignPut(`${prefix}${String(input.from + i).padStart(8, '0')}`, PRESIGNED_URL_TTL_SECONDS)),
  );
}
