import type { Job, Pipeline, Project, StepAction, Workflow } from '../../shared/model/entities';

/** Entities → CircleCI API v2 JSON shapes (see the OpenAPI spec's Pipeline, Workflow, Job schemas). */

export function apiPipeline(p: Pipeline) {
  return {
    id: p.id,
    errors: p.errors,
    project_slug: p.projectSlug,
    updated_at: p.updatedAt,
    number: p.number,
    trigger_parameters: { ...p.parameters },
    state: p.state,
    created_at: p.createdAt,
    trigger: { type: p.trigger.type, received_at: p.trigger.receivedAt, actor: { login: p.trigger.actor.login, avatar_url: p.trigger.actor.avatarUrl } },
    vcs: {
      provider_name: p.vcs.providerName,
      target_repository_url: p.vcs.targetRepositoryUrl,
      origin_repository_url: p.vcs.originRepositoryUrl,
      revision: p.vcs.revision,
      ...(p.vcs.branch ? { branch: p.vcs.branch } : {}),
      ...(p.vcs.tag ? { tag: p.vcs.tag } : {}),
      ...(p.vcs.reviewId ? { review_id: p.vcs.reviewId, review_url: p.vcs.reviewUrl } : {}),
      ...(p.vcs.commit ? { commit: { subject: p.vcs.commit.subject, body: p.vcs.commit.body } } : {}),
    },
  };
}

/** `GET /pipeline/{id}/values`: the pipeline values a config could reference, flattened as CircleCI does. */
export function pipelineValues(p: Pipeline): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {
    'pipeline.id': p.id,
    'pipeline.number': p.number,
    'pipeline.project.git_url': p.vcs.targetRepositoryUrl,
    'pipeline.project.type': 'github',
    'pipeline.git.revision': p.vcs.revision,
    'pipeline.trigger_source': p.trigger.type === 'webhook' ? 'webhook' : p.trigger.type === 'scheduled_pipeline' ? 'scheduled_pipeline' : 'api',
    'pipeline.trigger_parameters.circleci.actor_id': p.trigger.actor.login,
  };
  if (p.vcs.branch) values['pipeline.git.branch'] = p.vcs.branch;
  if (p.vcs.tag) values['pipeline.git.tag'] = p.vcs.tag;
  if (p.scheduleId) values['pipeline.schedule.id'] = p.scheduleId;
  for (const [k, v] of Object.entries(p.pipelineParameters ?? p.plan?.pipelineParameters ?? p.parameters)) values[`pipeline.parameters.${k}`] = v;
  return values;
}

export function apiWorkflow(w: Workflow) {
  return {
    pipeline_id: w.pipelineId,
    canceled_by: w.canceledBy,
    id: w.id,
    name: w.name,
    project_slug: w.projectSlug,
    errored_by: w.erroredBy,
    tag: w.tag,
    status: w.status,
    started_by: w.startedBy,
    pipeline_number: w.pipelineNumber,
    created_at: w.createdAt,
    stopped_at: w.stoppedAt,
  };
}

export function apiWorkflowJob(j: Job) {
  return {
    canceled_by: j.canceledBy,
    dependencies: j.dependencies,
    job_number: j.number,
    id: j.id,
    started_at: j.startedAt ?? null,
    name: j.name,
    approved_by: j.approvedBy,
    project_slug: j.projectSlug,
    status: j.status,
    // CircleCI's API knows `build` and `approval` only: the job types that run nothing show as `build`.
    type: j.type === 'approval' ? 'approval' : 'build',
    stopped_at: j.stoppedAt ?? null,
    ...(j.type === 'approval' ? { approval_request_id: j.id } : {}),
  };
}

export function apiJobDetails(j: Job, w: Workflow, p: Project, publicUrl: string) {
  const started = j.startedAt ? Date.parse(j.startedAt) : undefined;
  const stopped = j.stoppedAt ? Date.parse(j.stoppedAt) : undefined;
  return {
    web_url: `${publicUrl}/pipelines/${p.slug}/${w.pipelineNumber}/workflows/${w.id}/jobs/${j.number}`,
    project: { id: p.id, slug: p.slug, name: p.name, external_url: p.repoUrl },
    parallel_runs: j.tasks.map((t) => ({ index: t.index, status: t.status })),
    started_at: j.startedAt ?? null,
    latest_workflow: { id: w.id, name: w.name },
    name: j.name,
    executor: { type: j.plan.executor.type, resource_class: j.plan.executor.resourceClass },
    parallelism: j.tasks.length,
    status: j.status,
    number: j.number,
    pipeline: { id: j.pipelineId },
    duration: started !== undefined && stopped !== undefined ? stopped - started : null,
    created_at: j.createdAt,
    // Why the job ended as it did when no step says so (CircleCI's `messages`).
    messages: j.message ? [{ type: 'error', message: j.message, reason: 'job' }] : [],
    contexts: j.plan.contexts.map((name) => ({ name })),
    organization: { name: p.organizationName },
    queued_at: j.queuedAt ?? j.createdAt,
    stopped_at: j.stoppedAt ?? null,
  };
}

export function apiProject(p: Project) {
  return {
    slug: p.slug,
    name: p.name,
    id: p.id,
    organization_name: p.organizationName,
    organization_slug: p.organizationSlug,
    organization_id: p.organizationId,
    vcs_info: { vcs_url: p.repoUrl, provider: 'GitHub', default_branch: p.defaultBranch },
  };
}

/** v1.1 job status names differ from v2 for a few values. */
const V1_STATUS: Record<string, string> = {
  success: 'success',
  failed: 'failed',
  running: 'running',
  queued: 'queued',
  blocked: 'not_running',
  canceled: 'canceled',
  not_run: 'not_run',
  infrastructure_fail: 'infrastructure_fail',
  timedout: 'timedout',
  on_hold: 'on_hold',
  unauthorized: 'unauthorized',
};

/**
 * A v1.1 step action's status and its outcome flags (CircleCI sets each to `true` or `null`): the agent's failure
 * reason decides them where it named one (an infrastructure failure shows as `infrastructure_fail`; a step that
 * could not start, as failed); older reports carry only the status.
 */
export function v1ActionOutcome(a: StepAction) {
  const reason =
    a.failureReason ?? (a.status === 'failed' ? 'failed' : a.status === 'timedout' ? 'timed_out' : a.status === 'canceled' ? 'canceled' : undefined);
  const status = reason === 'infrastructure' ? 'infrastructure_fail' : a.status;
  const flag = (on: boolean) => (on ? true : null);
  return {
    status,
    failed: flag(reason === 'failed' || reason === 'could_not_start' || reason === 'timed_out' || reason === 'infrastructure'),
    infrastructure_fail: flag(reason === 'infrastructure'),
    timedout: flag(reason === 'timed_out'),
    canceled: flag(reason === 'canceled'),
  };
}

/** The v1.1 job detail (`GET /api/v1.1/project/:vcs/:org/:repo/:num`), with `output_url` per step action. */
export function apiV1Job(j: Job, w: Workflow, p: Project, pipeline: Pipeline, publicUrl: string, outputUrl: (task: number, step: number) => string) {
  const steps: Array<{ name: string; actions: unknown[] }> = [];
  for (const task of j.tasks) {
    for (const step of task.steps) {
      let entry = steps[step.index];
      if (!entry) entry = steps[step.index] = { name: step.name, actions: [] };
      for (const a of step.actions) {
        entry.actions.push({
          index: a.index,
          step: step.index,
          name: step.name,
          type: step.type === 'checkout' ? 'checkout' : 'test',
          ...v1ActionOutcome(a),
          start_time: a.startedAt,
          end_time: a.stoppedAt ?? null,
          exit_code: a.exitCode ?? null,
          has_output: (a.outputBytes ?? 0) > 0,
          output_url: outputUrl(a.index, step.index),
          background: false,
          parallel: j.tasks.length > 1,
        });
      }
    }
  }
  return { ...apiV1BuildSummary(j, w, p, pipeline, publicUrl), steps: steps.filter(Boolean) };
}

/** A v1.1 build summary (recent builds, project builds): a job in CircleCI v1.1 terms, without its steps. */
export function apiV1BuildSummary(j: Job, w: Workflow, p: Project, pipeline: Pipeline, publicUrl: string) {
  return {
    build_num: j.number,
    build_url: `${publicUrl}/pipelines/${p.slug}/${pipeline.number}/workflows/${w.id}/jobs/${j.number}`,
    username: p.organizationName,
    reponame: p.name,
    vcs_type: p.slug.startsWith('bb/') ? 'bitbucket' : 'github',
    vcs_url: p.repoUrl,
    branch: pipeline.vcs.branch ?? null,
    vcs_tag: pipeline.vcs.tag ?? null,
    vcs_revision: pipeline.vcs.revision,
    subject: pipeline.vcs.commit?.subject ?? null,
    body: pipeline.vcs.commit?.body ?? null,
    why: pipeline.trigger.type === 'webhook' ? 'github' : pipeline.trigger.type.startsWith('schedule') ? 'scheduled' : 'api',
    user: { login: pipeline.trigger.actor.login, avatar_url: pipeline.trigger.actor.avatarUrl },
    committer_name: null,
    status: V1_STATUS[j.status] ?? j.status,
    outcome: ['success', 'failed', 'canceled', 'infrastructure_fail', 'timedout'].includes(j.status) ? j.status : null,
    lifecycle: j.stoppedAt ? 'finished' : j.startedAt ? 'running' : j.queuedAt ? 'queued' : 'not_running',
    failed: ['failed', 'infrastructure_fail', 'timedout'].includes(j.status) ? true : null,
    start_time: j.startedAt ?? null,
    stop_time: j.stoppedAt ?? null,
    queued_at: j.queuedAt ?? null,
    build_time_millis: j.startedAt && j.stoppedAt ? Date.parse(j.stoppedAt) - Date.parse(j.startedAt) : null,
    parallel: j.tasks.length,
    platform: '2.0',
    workflows: {
      job_name: j.name,
      job_id: j.id,
      workflow_id: w.id,
      workflow_name: w.name,
      workspace_id: w.id,
      upstream_job_ids: j.dependencies,
      upstream_concurrency_map: {},
      pipeline_id: j.pipelineId,
      pipeline_number: pipeline.number,
    },
  };
}
