import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../../shared/model/errors';
import { apiPipeline, apiWorkflow } from '../../../shared/services/api-shapes';
import { authorize } from '../../../shared/services/auth';
import { getProjectOrThrow } from '../../../shared/services/projects';
import { triggerPipeline } from '../../../shared/services/pipelines';
import { projectFor } from '../access';
import { json, type Route } from '../http';

const TriggerBody = z
  .object({
    branch: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ValidationError(`Invalid request body at ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

export const pipelineRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/project/:slug/pipeline',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'member');
      const body = parseBody(TriggerBody, ctx.req.body);
      const user = await ctx.user();
      const p = await triggerPipeline(ctx.deps, project, { ...body, trigger: { type: 'api', actor: { login: user.login, avatarUrl: null } } });
      return json(201, { id: p.id, state: p.state, number: p.number, created_at: p.createdAt });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/pipeline',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      const page = await ctx.deps.pipelines.listPipelines(project.slug, { branch: ctx.req.query.branch, pageToken: ctx.req.query['page-token'] });
      return json(200, { items: page.items.map(apiPipeline), next_page_token: page.nextPageToken });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/pipeline/:number',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      const p = await ctx.deps.pipelines.getPipelineByNumber(project.slug, Number(ctx.req.params.number));
      if (!p) throw new NotFoundError('Pipeline not found');
      return json(200, apiPipeline(p));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/pipeline/:id',
    async handle(ctx) {
      const p = await loadPipeline(ctx);
      return json(200, apiPipeline(p));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/pipeline/:id/workflow',
    async handle(ctx) {
      const p = await loadPipeline(ctx);
      const workflows = await ctx.deps.pipelines.listWorkflows(p.id);
      return json(200, { items: workflows.map(apiWorkflow), next_page_token: null });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/pipeline/:id/config',
    async handle(ctx) {
      const p = await loadPipeline(ctx);
      const source = p.configSource ?? '';
      return json(200, { source, compiled: p.plan ? JSON.stringify(p.plan) : '', setup_config: '', compiled_setup_config: '' });
    },
  },
];

async function loadPipeline(ctx: Parameters<Route['handle']>[0]) {
  const user = await ctx.user();
  const p = await ctx.deps.pipelines.getPipeline(ctx.req.params.id);
  if (!p) throw new NotFoundError('Pipeline not found');
  const project = await getProjectOrThrow(ctx.deps, p.projectSlug);
  authorize(user, project.organizationSlug, 'viewer');
  return p;
}
