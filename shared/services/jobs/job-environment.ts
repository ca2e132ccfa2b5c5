import type { Job, Pipeline, Project, Workflow } from '../../model/entities';
import { ForbiddenError } from '../../model/errors';
import { continuationKeyFor } from '../pipelines/continuation';
import { resolveContexts } from '../projects/contexts';
import type { ControlPlaneDeps } from '../deps';
import { pipelineReceivesSecrets } from '../projects/project-settings';

/**
 * CircleCI's built-in variables plus project env vars (decrypted), with CircleCI's precedence: project <
 * context < built-in (job and step `environment` are applied by the agent on top). Secret values of 4+
 * characters are returned for masking.
 */
export async function buildJobEnvironment(
  deps: Pick<ControlPlaneDeps, 'projects' | 'cipher' | 'publicUrl' | 'contexts' | 'clock' | 'identity' | 'tokens'>,
  ctx: { job: Job; pipeline: Pipeline; workflow: Workflow; project: Project; taskIndex: number },
): Promise<{ environment: Record<string, string>; secrets: string[] }> {
  const { job, pipeline, workflow, project } = ctx;
  const projectVars: Record<string, string> = {};
  // Forked pull requests get no project or context secrets unless the project allows it.
  const receivesSecrets = pipelineReceivesSecrets(project, pipeline);
  if (receivesSecrets) for (const v of await deps.projects.listEnvVars(project.slug)) projectVars[v.name] = await deps.cipher.decrypt(v.encryptedValue);
  // The conductor checked access before queueing the job; a restriction added since then still applies here.
  const contexts =
    receivesSecrets && job.plan.contexts.length ? await resolveContexts(deps, job.plan.contexts, project, pipeline) : { ok: true as const, variables: {} };
  if (!contexts.ok) throw new ForbiddenError(contexts.reason, { job: job.id });
  const contextVars = contexts.variables;
  const builtIn: Record<string, string> = {
    CI: 'true',
    CIRCLECI: 'true',
    CIRCLE_BRANCH: pipeline.vcs.branch ?? '',
    CIRCLE_TAG: pipeline.vcs.tag ?? '',
    CIRCLE_SHA1: pipeline.vcs.revision,
    CIRCLE_BUILD_NUM: String(job.number ?? ''),
    CIRCLE_BUILD_URL: `${deps.publicUrl}/pipelines/${project.slug}/${pipeline.number}/workflows/${workflow.id}/jobs/${job.number}`,
    CIRCLE_JOB: job.name,
    CIRCLE_NODE_INDEX: String(ctx.taskIndex),
    CIRCLE_NODE_TOTAL: String(job.tasks.length),
    CIRCLE_PIPELINE_ID: pipeline.id,
    CIRCLE_PIPELINE_NUMBER: String(pipeline.number),
    CIRCLE_WORKFLOW_ID: workflow.id,
    CIRCLE_WORKFLOW_JOB_ID: job.id,
    CIRCLE_WORKFLOW_WORKSPACE_ID: workflow.rerunOf ?? workflow.id,
    CIRCLE_PROJECT_USERNAME: project.organizationName,
    CIRCLE_PROJECT_REPONAME: project.name,
    CIRCLE_REPOSITORY_URL: project.repoUrl,
    CIRCLE_USERNAME: pipeline.trigger.actor.login,
    CIRCLE_WORKING_DIRECTORY: job.plan.workingDirectory,
    CIRCLE_INTERNAL_TASK_DATA: '/tmp/.circleci-task-data',
    // Where orbs reach the API (the continuation and orb-tools orbs call `$CIRCLECI_API_HOST/api/v2/...`).
    CIRCLECI_API_HOST: deps.publicUrl,
  };
  // Dynamic config: jobs of the setup workflow may continue the pipeline once.
  const continuationKey = workflow.tag === 'setup' ? await continuationKeyFor(deps, pipeline) : undefined;
  if (continuationKey) builtIn.CIRCLE_CONTINUATION_KEY = continuationKey;
  if (!pipeline.vcs.tag) delete builtIn.CIRCLE_TAG;
  if (pipeline.vcs.reviewId) builtIn.CIRCLE_PR_NUMBER = pipeline.vcs.reviewId;
  const secrets = [...new Set([...Object.values(projectVars), ...Object.values(contextVars), ...(continuationKey ? [continuationKey] : [])])].filter(
    (v) => v.length >= 4,
  );
  return { environment: { ...projectVars, ...contextVars, ...builtIn }, secrets };
}
