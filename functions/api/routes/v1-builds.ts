import { z } from 'zod';
import { NotFoundError } from '../../../shared/model/errors';
import { isTerminalJob } from '../../../shared/model/statuses';
import { sendWorkflowEvent } from '../../../shared/services/workflows/workflow-events';
import { apiV1BuildSummary } from '../api-shapes';
import { triggerFromApi } from '../../../shared/services/pipelines/api-trigger';
import { buildParametersOf, listProjectBuilds, listRecentBuilds } from '../api-v1';
import { listJobArtifacts, listJobTests } from '../../../shared/services/jobs/job-blobs';
import { rerunWorkflow } from '../../../shared/services/workflows/reruns';
import { jobByNumber, parseBody, projectFor, v1Slug } from '../access';
import { json, type Route, type RouteContext } from '../http';

const PROJECT = '/api/v1.1/project/:vcs/:org/:repo';

const TriggerBody = z
  .object({
    revision: z
      .string()
      .regex(/^[0-9a-f]{7,64}$/, 'must be a commit id')
      .optional(),
    tag: z.string().min(1).optional(),
    branch: z.string().min(1).optional(),
    parallel: z.number().int().optional(),
    build_parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict()
  .nullable()
  .transform((b) => b ?? {});

/** A build (job) in v1.1's summary shape. */
async function summaryOf(ctx: RouteContext, role: 'viewer' | 'member') {
  const { project, job, workflow } = await jobByNumber(ctx, v1Slug(ctx), ctx.req.params.number, role);
  const pipeline = await ctx.deps.pipelines.getPipeline(job.pipelineId);
  if (!pipeline) throw new NotFoundError('Build not found');
  return { project, job, workflow, summary: apiV1BuildSummary(job, workflow, project, pipeline, ctx.deps.publicUrl) };
}

async function trigger(ctx: RouteContext) {
  const project = await projectFor(ctx, v1Slug(ctx), 'member');
  const body = parseBody(TriggerBody, ctx.req.body);
  const branch = ctx.req.params.branch ?? body.branch;
  const ref = { branch: body.tag ? undefined : (branch ?? project.defaultBranch), tag: body.tag, revision: body.revision };
  const { parameters, ignored } = await buildParametersOf(ctx.deps, project, ref, body.build_parameters);
  const p = await triggerFromApi(ctx.deps, project, await ctx.user(), { ...ref, parameters });
  return json(201, {
    status: 201,
    body: 'Build created',
    pipeline_id: p.id,
    pipeline_number: p.number,
    ...(ignored.length
      ? {
          ignored_build_parameters: ignored,
          note: 'These build_parameters are not pipeline parameters of the config; declare them under `parameters:` to use them.',
        }
      : {}),
  });
}

const artifactsOf = async (ctx: RouteContext, job: Parameters<typeof listJobArtifacts>[1]) =>
  (await listJobArtifacts(ctx.deps, job)).items.map((a) => ({ path: a.path, pretty_path: a.path, node_index: a.node_index, url: a.url }));

/** API v1.1 builds: listings, triggers, artifacts, tests, retry and cancel, in CircleCI's v1.1 shapes. */
export const v1BuildRoutes: Route[] = [
  { method: 'GET', path: '/api/v1.1/recent-builds', handle: async (ctx) => json(200, await listRecentBuilds(ctx.deps, await ctx.user(), ctx.req.query)) },
  {
    method: 'GET',
    path: PROJECT,
    handle: async (ctx) => json(200, await listProjectBuilds(ctx.deps, await projectFor(ctx, v1Slug(ctx), 'viewer'), ctx.req.query)),
  },
  {
    method: 'GET',
    path: `${PROJECT}/tree/:branch`,
    handle: async (ctx) => json(200, await listProjectBuilds(ctx.deps, await projectFor(ctx, v1Slug(ctx), 'viewer'), ctx.req.query, ctx.req.params.branch)),
  },
  { method: 'POST', path: PROJECT, handle: trigger },
  { method: 'POST', path: `${PROJECT}/tree/:branch`, handle: trigger },
  {
    method: 'GET',
    path: `${PROJECT}/:number/artifacts`,
    async handle(ctx) {
      const { job } = await jobByNumber(ctx, v1Slug(ctx), ctx.req.params.number, 'viewer');
      return json(200, await artifactsOf(ctx, job));
    },
  },
  {
    method: 'GET',
    path: `${PROJECT}/latest/artifacts`,
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'viewer');
      const query = { filter: ctx.req.query.filter ?? 'completed', limit: '1' };
      const [latest] = await listProjectBuilds(ctx.deps, project, query, ctx.req.query.branch ?? project.defaultBranch);
      if (!latest) return json(200, []);
      const { job } = await jobByNumber(ctx, project.slug, String(latest.build_num), 'viewer');
      return json(200, await artifactsOf(ctx, job));
    },
  },
  {
    method: 'GET',
    path: `${PROJECT}/:number/tests`,
    async handle(ctx) {
      const { job } = await jobByNumber(ctx, v1Slug(ctx), ctx.req.params.number, 'viewer');
      const tests = (await listJobTests(ctx.deps, job)).items;
      return json(200, { tests, exceptions: [] });
    },
  },
  {
    method: 'POST',
    path: `${PROJECT}/:number/retry`,
    async handle(ctx) {
      const { job, workflow, summary } = await summaryOf(ctx, 'member');
      const rerun = await rerunWorkflow(ctx.deps, workflow, await ctx.user(), { jobs: [job.id] });
      return json(201, { ...summary, retry_of: job.number, workflows: { ...summary.workflows, workflow_id: rerun.id } });
    },
  },
  {
    method: 'POST',
    path: `${PROJECT}/:number/cancel`,
    async handle(ctx) {
      const { job, summary } = await summaryOf(ctx, 'member');
      const user = await ctx.user();
      if (!isTerminalJob(job.status)) await sendWorkflowEvent(ctx.deps, job.workflowId, { type: 'JobCancelRequested', jobId: job.id, by: user.id });
      return json(200, { ...summary, canceled: true });
    },
  },
];
