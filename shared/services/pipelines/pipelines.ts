import { randomUUID } from 'node:crypto';
import { narrowJobs, selectJobs } from '../../config/select-jobs';
import type { Plan } from '../../config/plan';
import type { Job, Pipeline, PipelineError, PipelineSelection, Project, Schedule, TriggerInfo, Workflow } from '../../model/entities';
import { NotFoundError, ValidationError } from '../../model/errors';
import { compileUserConfig } from './config-compile';
import type { ControlPlaneDeps } from '../deps';
import { readConfigSource } from './config-source';
import { storePipelineConfig } from './pipeline-config';
import { pipelineValuesOf } from './pipeline-values';
import { syncConfigSchedules } from '../schedules/config-schedules';
import { stableUuid } from '../identity/tokens';

export interface TriggerInput {
  branch?: string;
  tag?: string;
  revision?: string;
  parameters?: Record<string, unknown>;
  trigger: Omit<TriggerInfo, 'receivedAt'>;
  /** Webhook triggers: the head commit's message as the VCS reported it. */
  commit?: { subject: string; body: string };
  /** Pull requests: the number and web URL. */
  reviewId?: string;
  reviewUrl?: string;
  /** Pull requests from a fork: the fork's clone URL (the pipeline's origin repository). */
  forkRepositoryUrl?: string;
  /** The schedule that fires this pipeline. */
  scheduleId?: string;
  /** Pipeline values only the trigger's event knows (see `Pipeline.eventValues`). */
  eventValues?: Record<string, string | number | boolean>;
  /** Only these workflows/jobs (local runs). */
  selection?: PipelineSelection;
}

/**
 * Creates a pipeline in state `pending` and queues it for processing (config fetch and compile happen in the
 * `pipelines` consumer). Resolves at once; CircleCI's trigger response is built from the result.
 */
export async function triggerPipeline(
  deps: Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'queue' | 'clock'>,
  project: Project,
  input: TriggerInput,
): Promise<Pipeline> {
  if (input.branch && input.tag) throw new ValidationError('Provide either branch or tag, not both.');
  const parameters: Pipeline['parameters'] = {};
  for (const [k, v] of Object.entries(input.parameters ?? {})) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) {
      throw new ValidationError(`Pipeline parameter "${k}" must be a string, number or boolean.`, { parameter: k });
    }
    parameters[k] = v as string | number | boolean;
  }
  const now = deps.clock.now().toISOString();
  const number = await deps.projects.nextNumber(project.slug, 'pipeline');
  const pipeline: Pipeline = {
    id: randomUUID(),
    projectSlug: project.slug,
    number,
    state: 'pending',
    errors: [],
    trigger: { ...input.trigger, receivedAt: now },
    vcs: {
      providerName: 'GitHub',
      originRepositoryUrl: input.forkRepositoryUrl ?? project.repoUrl,
      targetRepositoryUrl: project.repoUrl,
      revision: input.revision ?? '',
      branch: input.tag ? undefined : (input.branch ?? project.defaultBranch),
      tag: input.tag,
      ...(input.reviewId ? { reviewId: input.reviewId, reviewUrl: input.reviewUrl } : {}),
      ...(input.commit ? { commit: input.commit } : {}),
    },
    parameters,
    ...(input.scheduleId ? { scheduleId: input.scheduleId } : {}),
    ...(input.eventValues && Object.keys(input.eventValues).length ? { eventValues: input.eventValues } : {}),
    ...(input.selection ? { selection: input.selection } : {}),
    createdAt: now,
    updatedAt: now,
  };
  await deps.pipelines.createPipeline(pipeline);
  await deps.queue.send('triggers', { type: 'PipelineTriggered', pipelineId: pipeline.id });
  return pipeline;
}

/**
 * Fetches the config at the pipeline's commit, compiles it and creates its workflows and jobs. Idempotent:
 * a pipeline no longer `pending` is left alone, and ids are derived from the pipeline so a retry after a
 * partial run creates nothing twice. Config and fetch problems end the pipeline `errored` with the reason.
 */
export async function processPipeline(deps: ControlPlaneDeps, pipelineId: string): Promise<void> {
  const pipeline = await deps.pipelines.getPipeline(pipelineId);
  if (!pipeline) throw new NotFoundError(`Pipeline ${pipelineId} not found`);
  if (pipeline.state !== 'pending') return;
  const project = await deps.projects.getProject(pipeline.projectSlug);
  if (!project) return void (await fail(deps, pipeline, [{ type: 'config-fetch', message: `Project ${pipeline.projectSlug} no longer exists.` }]));

  let commit;
  let read;
  try {
    commit = await deps.repos.resolve(project, { branch: pipeline.vcs.branch, tag: pipeline.vcs.tag, revision: pipeline.vcs.revision || undefined });
    read = await readConfigSource(deps.repos, project, commit.revision);
  } catch (e) {
    return void (await fail(deps, pipeline, [{ type: 'config-fetch', message: (e as Error).message }]));
  }
  const vcs = {
    ...pipeline.vcs,
    revision: commit.revision,
    commit: { subject: commit.subject, body: commit.body, ...(commit.committerEmail ? { committerEmail: commit.committerEmail } : {}) },
  };
  if (!read.ok) return void (await fail(deps, { ...pipeline, vcs }, [read.error]));
  const source = read.source;
  const schedule = pipeline.scheduleId ? await deps.schedules.getSchedule(pipeline.scheduleId) : undefined;
  const compiled = await compileUserConfig(deps, source, {
    pipelineParameters: pipeline.parameters,
    pipeline: pipelineValuesOf({ ...pipeline, vcs }, project, schedule),
  });
  if (!compiled.ok) {
    const errors = compiled.problems.map((p) => ({
      type: 'config' as const,
      message: `${p.file}:${p.line}:${p.column}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`,
    }));
    return void (await fail(deps, { ...pipeline, vcs }, errors, source));
  }

  if (!vcs.tag && vcs.branch === project.defaultBranch) await syncConfigSchedules(deps, project, compiled.plan);

  const setup = compiled.plan.setup;
  const workflowIds = await createPlanWorkflows(deps, { ...pipeline, vcs }, compiled.plan, { schedule, tag: setup ? 'setup' : undefined });
  const now = deps.clock.now().toISOString();
  const stored = await storePipelineConfig(deps, pipeline.id, { source, plan: compiled.plan, ...(setup ? { setupSource: source } : {}) });
  const updated = await deps.pipelines.updatePipeline(pipeline.id, 'pending', {
    // Dynamic config: the setup workflow runs while the pipeline waits for its continuation.
    state: setup ? 'setup-pending' : 'created',
    vcs,
    ...stored,
    ...(setup ? { continuationExpiresAt: new Date(Date.parse(now) + CONTINUATION_TTL_SECONDS * 1000).toISOString() } : {}),
    updatedAt: now,
  });
  if (!updated) return;
  await announceWorkflows(deps, workflowIds);
}

/** How long a setup pipeline's continuation key works (CircleCI: 6 hours). */
export const CONTINUATION_TTL_SECONDS = 6 * 3600;

/**
 * Creates the workflows and jobs of a compiled plan in a pipeline (not yet announced to the conductor).
 * Idempotent: ids derive from the pipeline, the workflow name and `namespace` (continuations use their own),
 * so a retry after a partial run creates nothing twice. Resolves the ids of the workflows it holds.
 */
export async function createPlanWorkflows(
  deps: Pick<ControlPlaneDeps, 'pipelines' | 'identity' | 'clock'>,
  pipeline: Pipeline,
  plan: Plan,
  options: { schedule?: Schedule; tag?: 'setup'; namespace?: string } = {},
): Promise<string[]> {
  const { schedule, tag, namespace } = options;
  const vcs = pipeline.vcs;
  const now = deps.clock.now().toISOString();
  // CircleCI's started_by is a user id: the Slipway user of that login, else a stable id for the VCS actor.
  const startedBy = (await deps.identity.getUserByLogin(pipeline.trigger.actor.login))?.id ?? stableUuid('actor', pipeline.trigger.actor.login);
  const workflowIds: string[] = [];
  for (const wp of plan.workflows) {
    // Workflows with `triggers: schedule` run only when their config schedule fires, and only they do then.
    if (schedule?.kind === 'config' ? wp.name !== schedule.workflow : wp.schedules.length > 0) continue;
    // A selection narrows the pipeline's own workflows; a setup workflow always runs to reach the continuation.
    const selection = tag === 'setup' ? undefined : pipeline.selection;
    if (selection?.workflows && !selection.workflows.includes(wp.name)) continue;
    const plans = narrowJobs(selectJobs(wp, { branch: vcs.branch, tag: vcs.tag }), selection?.jobs, selection?.replayWorkspace !== undefined);
    if (plans.length === 0) continue;
    const workflow: Workflow = {
      id: namespace ? stableUuid(pipeline.id, namespace, 'workflow', wp.name) : stableUuid(pipeline.id, 'workflow', wp.name),
      pipelineId: pipeline.id,
      pipelineNumber: pipeline.number,
      projectSlug: pipeline.projectSlug,
      name: wp.name,
      status: 'running',
      startedBy,
      createdAt: now,
      stoppedAt: null,
      ...(tag ? { tag } : {}),
      ...(selection?.replayWorkspace !== undefined ? { attachedWorkspace: selection.replayWorkspace } : {}),
      version: 0,
    };
    const ids = new Map(plans.map((p) => [p.name, stableUuid(workflow.id, 'job', p.name)]));
    const jobs: Job[] = plans.map((jobPlan) => ({
      id: ids.get(jobPlan.name)!,
      workflowId: workflow.id,
      pipelineId: pipeline.id,
      projectSlug: pipeline.projectSlug,
      name: jobPlan.name,
      type: jobPlan.type,
      status: 'blocked',
      dependencies: jobPlan.requires.map((r) => ids.get(r.job)).filter((x): x is string => Boolean(x)),
      plan: jobPlan,
      tasks: Array.from({ length: Math.max(1, jobPlan.parallelism) }, (_, index) => ({ index, status: 'blocked' as const, attempt: 0, steps: [] })),
      createdAt: now,
      infraRetries: 0,
      version: 0,
    }));
    await deps.pipelines.createWorkflow(workflow, jobs);
    workflowIds.push(workflow.id);
  }
  return workflowIds;
}

/** Tells the conductor about new workflows (deduplicated per workflow, so a retry announces nothing twice). */
export async function announceWorkflows(deps: Pick<ControlPlaneDeps, 'queue'>, workflowIds: string[]): Promise<void> {
  for (const id of workflowIds)
    await deps.queue.send('events', { workflowId: id, event: { type: 'WorkflowCreated' } }, { groupId: id, deduplicationId: `${id}:created` });
}

/** Ends a pending pipeline `errored`; the config source, when there was one, is kept for `GET .../config`. */
async function fail(
  deps: Pick<ControlPlaneDeps, 'pipelines' | 'clock' | 'blobs'>,
  pipeline: Pipeline,
  errors: PipelineError[],
  source?: string,
): Promise<void> {
  const stored = source === undefined ? {} : await storePipelineConfig(deps, pipeline.id, { source });
  await deps.pipelines.updatePipeline(pipeline.id, 'pending', {
    state: 'errored',
    errors,
    vcs: pipeline.vcs,
    ...stored,
    updatedAt: deps.clock.now().toISOString(),
  });
}
