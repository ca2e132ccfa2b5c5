import { NotFoundError, ValidationError } from '../../../shared/model/errors';
import { isTerminalJob } from '../../../shared/model/statuses';
import { sendWorkflowEvent } from '../../../shared/services/workflows/workflow-events';
import { apiJobDetails, apiV1Job } from '../api-shapes';
import { readStepOutput } from '../../../shared/services/jobs/job-output';
import { jobReplaySpec } from '../../../shared/services/jobs/job-replay';
import { exportSecrets } from '../../../shared/services/projects/secret-export';
import { watchJob } from '../../../shared/services/runners/runner-protocol';
import { jobByNumber, projectFor, v1Slug } from '../access';
import { json, type Route } from '../http';

export const jobRoutes: Route[] = [
  {
    // Slipway extension for `slipway run --replay`: what the job ran with; secrets need ?with-secrets=true and admin.
    method: 'GET',
    path: '/api/v2/project/:slug/job/:number/replay',
    async handle(ctx) {
      const { project, job } = await jobByNumber(ctx, ctx.req.params.slug, ctx.req.params.number, 'member');
      return json(200, await jobReplaySpec(ctx.deps, await ctx.user(), project, job, ctx.req.query['with-secrets'] === 'true'));
    },
  },
  {
    // Slipway extension for `slipway run --secrets-from`: the values of the project's variables and of the
    // contexts named by `?contexts=a,b`, for organisation admins only; audited as secrets.exported.
    method: 'GET',
    path: '/api/v2/project/:slug/secrets',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'admin');
      const names = (ctx.req.query.contexts ?? '').split(',').filter(Boolean);
      return json(200, await exportSecrets(ctx.deps, await ctx.user(), project, names));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/job/:number',
    async handle(ctx) {
      const { project, job, workflow } = await jobByNumber(ctx, ctx.req.params.slug, ctx.req.params.number, 'viewer');
      return json(200, apiJobDetails(job, workflow, project, ctx.deps.publicUrl));
    },
  },
  {
    method: 'POST',
    path: '/api/v2/project/:slug/job/:number/cancel',
    async handle(ctx) {
      const { job } = await jobByNumber(ctx, ctx.req.params.slug, ctx.req.params.number, 'member');
      const user = await ctx.user();
      if (!isTerminalJob(job.status)) await sendWorkflowEvent(ctx.deps, job.workflowId, { type: 'JobCancelRequested', jobId: job.id, by: user.id });
      return json(200, { message: 'Job cancellation requested.' });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/jobs/:id/cancel',
    async handle(ctx) {
      const user = await ctx.user();
      const job = await ctx.deps.pipelines.getJobById(ctx.req.params.id);
      if (!job) throw new NotFoundError('Job not found');
      await projectFor(ctx, job.projectSlug, 'member');
      if (isTerminalJob(job.status)) throw new ValidationError(`Job ${job.name} is ${job.status}; only unfinished jobs can be canceled.`);
      await sendWorkflowEvent(ctx.deps, job.workflowId, { type: 'JobCancelRequested', jobId: job.id, by: user.id });
      return json(200, { message: 'Job cancellation requested.' });
    },
  },
  {
    method: 'GET',
    path: '/api/v1.1/project/:vcs/:org/:repo/:number',
    async handle(ctx) {
      const { project, job, workflow } = await jobByNumber(ctx, v1Slug(ctx), ctx.req.params.number, 'viewer');
      const [pipeline] = await Promise.all([ctx.deps.pipelines.getPipeline(job.pipelineId), watchJob(ctx.deps, job)]);
      if (!pipeline) throw new NotFoundError('Job not found');
      const urls = new Map<string, string>();
      for (const t of job.tasks) {
        for (const s of t.steps) {
          const resource = `output:${job.id}:${t.index}:${s.index}`;
          urls.set(
            `${t.index}:${s.index}`,
            `${ctx.deps.publicUrl}/api/v1.1/output/${job.workflowId}/${job.id}/${t.index}/${s.index}?token=${await ctx.deps.tokens.signResource(resource, 3600)}`,
          );
        }
      }
      return json(
        200,
        apiV1Job(job, workflow, project, pipeline, ctx.deps.publicUrl, (task, step) => urls.get(`${task}:${step}`)!),
      );
    },
  },
  {
    // `output_url` target: a signed, expiring link (like CircleCI's presigned S3 URLs); no API token needed.
    method: 'GET',
    path: '/api/v1.1/output/:workflowId/:jobId/:task/:step',
    async handle(ctx) {
      const { workflowId, jobId, task, step } = ctx.req.params;
      await ctx.deps.tokens.verifyResource(ctx.req.query.token ?? '', `output:${jobId}:${task}:${step}`);
      const job = await ctx.deps.pipelines.getJob(workflowId, jobId);
      if (!job || !job.tasks[Number(task)]) throw new NotFoundError('Output not found');
      const [output] = await Promise.all([readStepOutput(ctx.deps, job, Number(task), Number(step)), watchJob(ctx.deps, job)]);
      return json(200, output);
    },
  },
];
