import type { JobPlan } from '../../config/plan';
import type { Job, Project, User } from '../../model/entities';
import { NotFoundError } from '../../model/errors';
import { authorize } from '../identity/auth';
import type { ControlPlaneDeps } from '../deps';
import { maskValue } from '../projects/env-vars';
import { attachedWorkspace, cacheKeyOf } from './job-blobs';
import { PRESIGNED_URL_TTL_SECONDS } from '../runners/runner-protocol';
import { loadPipelineConfig } from '../pipelines/pipeline-config';

/**
 * What a job ran with, so `slipway run --replay` can run it again on a laptop: the config and pipeline values
 * of its pipeline, the job's compiled plan, the project's environment variables (masked unless the caller
 * asks for secrets and is an admin of the organisation; context values are never sent, only their names), and
 * presigned URLs of the workspace layers it attached and of the caches it restored.
 */
export interface JobReplaySpec {
  project_slug: string;
  job_number: number | null;
  job_name: string;
  workflow_name: string;
  pipeline: {
    number: number;
    revision: string;
    branch: string | null;
    tag: string | null;
    repository_url: string;
    parameters: Record<string, string | number | boolean>;
  };
  /** The config the job's workflow came from (a continued pipeline: the continuation config). */
  config: string | null;
  job: JobPlan;
  status: string;
  environment: Array<{ name: string; value: string; masked: boolean }>;
  contexts: string[];
  /** The layers `attach_workspace` applied, in order (the jobs that persisted them). */
  workspace: Array<{ job: string; url: string; size: number }>;
  /** The caches `restore_cache` restored, by exact key; `url` is null once the cache is gone (expired, deleted). */
  caches: Array<{ key: string; url: string | null; size: number }>;
}

/** The keys of the caches a job's tasks restored, once each. */
const restoredKeys = (job: Job) => [
  ...new Set(job.tasks.flatMap((t) => t.steps.flatMap((s) => s.actions.flatMap((a) => (a.restoredCache ? [a.restoredCache] : []))))),
];

async function restoredCaches(deps: Pick<ControlPlaneDeps, 'blobs'>, project: Project, job: Job): Promise<JobReplaySpec['caches']> {
  return Promise.all(
    restoredKeys(job).map(async (key) => {
      const info = await deps.blobs.head(cacheKeyOf(project.slug, key));
      return info ? { key, url: await deps.blobs.presignGet(info.key, PRESIGNED_URL_TTL_SECONDS), size: info.size } : { key, url: null, size: 0 };
    }),
  );
}

/** The replay spec of a job; secrets only with `withSecrets` and the admin role (else `ForbiddenError`). */
export async function jobReplaySpec(
  deps: Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'cipher' | 'blobs' | 'clock'>,
  user: User,
  project: Project,
  job: Job,
  withSecrets: boolean,
): Promise<JobReplaySpec> {
  if (withSecrets) authorize(user, project.organizationSlug, 'admin');
  const [pipeline, workflow] = await Promise.all([deps.pipelines.getPipeline(job.pipelineId), deps.pipelines.getWorkflow(job.workflowId)]);
  if (!pipeline || !workflow) throw new NotFoundError(`The pipeline of job ${job.number ?? job.id} no longer exists.`);
  const config = await loadPipelineConfig(deps, pipeline);
  const vars = await deps.projects.listEnvVars(project.slug);
  const environment = await Promise.all(
    vars.map(async (v) => {
      const value = await deps.cipher.decrypt(v.encryptedValue);
      return withSecrets ? { name: v.name, value, masked: false } : { name: v.name, value: maskValue(value), masked: true };
    }),
  );
  return {
    project_slug: project.slug,
    job_number: job.number ?? null,
    job_name: job.name,
    workflow_name: workflow.name,
    pipeline: {
      number: pipeline.number,
      revision: pipeline.vcs.revision,
      branch: pipeline.vcs.branch ?? null,
      tag: pipeline.vcs.tag ?? null,
      repository_url: pipeline.vcs.originRepositoryUrl,
      parameters: pipeline.parameters,
    },
    config: config.source ?? null,
    job: job.plan,
    status: job.status,
    environment,
    contexts: job.plan.contexts,
    workspace: job.plan.steps.some((s) => s.type === 'attach_workspace') ? await attachedWorkspace(deps, job.workflowId, job.name) : [],
    caches: await restoredCaches(deps, project, job),
  };
}
