import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../../shared/model/errors';
import { apiPipeline, apiWorkflow, pipelineValues } from '../api-shapes';
import { authorize } from '../../../shared/services/identity/auth';
import { loadPipelineConfig } from '../../../shared/services/pipelines/pipeline-config';
import { getProjectOrThrow } from '../../../shared/services/projects/projects';
import { pipelineRunTrigger, triggerFromApi } from '../../../shared/services/pipelines/api-trigger';
import { parseBody, projectFor } from '../access';
import { json, type Route, type RouteContext } from '../http';

const TriggerBody = z
  .object({
    branch: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

const Ref = z.object({ branch: z.string().min(1).optional(), tag: z.string().min(1).optional() }).strict();
const RunBody = z
  .object({
    definition_id: z.string().uuid().optional(),
    config: Ref.optional(),
    checkout: Ref.optional(),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

const created = (p: { id: string; state: string; number: number; createdAt: string }) =>
  json(201, { id: p.id, state: p.state, number: p.number, created_at: p.createdAt });

/** A page of a project's pipelines; `mine` keeps those the caller triggered (pages may then be shorter). */
async function pipelinePage(ctx: RouteContext, slug: string, options: { mine?: boolean; branch?: string }) {
  const user = await ctx.user();
  const page = await ctx.deps.pipelines.listPipelines(slug, { branch: options.branch, pageToken: ctx.req.query['page-token'] });
  const items = options.mine ? page.items.filter((p) => p.trigger.actor.login === user.login) : page.items;
  return { items: items.map(apiPipeline), next_page_token: page.nextPageToken };
}

export const pipelineRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/project/:slug/pipeline',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'member');
      const body = parseBody(TriggerBody, ctx.req.body);
      return created(await triggerFromApi(ctx.deps, project, await ctx.user(), body));
    },
  },
  {
    method: 'POST',
    path: '/api/v2/project/:slug/pipeline/run',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'member');
      const body = parseBody(RunBody, ctx.req.body);
      return created(await triggerFromApi(ctx.deps, project, await ctx.user(), pipelineRunTrigger(project, body)));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/pipeline',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      return json(200, await pipelinePage(ctx, project.slug, { branch: ctx.req.query.branch }));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/pipeline/mine',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      return json(200, await pipelinePage(ctx, project.slug, { mine: true }));
    },
  },
  {
    // The organisation feed: newest pipelines of every project of the organisation the caller can see.
    method: 'GET',
    path: '/api/v2/pipeline',
    async handle(ctx) {
      const user = await ctx.user();
      const org = ctx.req.query['org-slug'];
      if (!org) throw new ValidationError('Give org-slug, for example gh/acme.');
      const orgSlug = org.replace(/^github\//, 'gh/').replace(/^bitbucket\//, 'bb/');
      authorize(user, orgSlug, 'viewer');
      const projects = (await ctx.deps.projects.listProjects()).filter((p) => p.organizationSlug === orgSlug);
      const mine = ctx.req.query.mine === 'true';
      const pages = await Promise.all(projects.map((p) => ctx.deps.pipelines.listPipelines(p.slug, { limit: 20 })));
      const items = pages
        .flatMap((p) => p.items)
        .filter((p) => !mine || p.trigger.actor.login === user.login)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, 20);
      return json(200, { items: items.map(apiPipeline), next_page_token: null });
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
    path: '/api/v2/pipeline/:id/values',
    async handle(ctx) {
      const p = await loadPipeline(ctx);
      return json(200, pipelineValues(p));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/pipeline/:id/config',
    async handle(ctx) {
      const config = await loadPipelineConfig(ctx.deps, await loadPipeline(ctx));
      return json(200, {
        source: config.source ?? '',
        compiled: config.plan ? JSON.stringify(config.plan) : '',
        setup_config: config.setupSource ?? '',
        compiled_setup_config: '',
      });
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
