import { z } from 'zod';
import type { Context, ContextRestriction } from '../../../shared/model/entities';
import { NotFoundError, ValidationError } from '../../../shared/model/errors';
import { authorize } from '../../../shared/services/identity/auth';
import { addRestriction, contextFor, createContext, listContextVariables, ownerOf, putContextVariable } from '../../../shared/services/projects/contexts';
import { parseBody } from '../access';
import { json, type Route, type RouteContext } from '../http';

const CreateBody = z.object({
  name: z.string().min(1),
  owner: z.object({ id: z.string().optional(), slug: z.string().optional(), type: z.enum(['organization', 'account']).optional() }),
});
const VarBody = z.object({ value: z.string() }).strict();
const RestrictionBody = z
  .object({ project_id: z.string().optional(), restriction_type: z.string().optional(), restriction_value: z.string().optional() })
  .strict();
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const apiContext = (c: Context) => ({ id: c.id, name: c.name, created_at: c.createdAt });
const apiRestriction = (r: ContextRestriction) => ({
  id: r.id,
  context_id: r.contextId,
  ...(r.type === 'project' ? { project_id: r.value } : {}),
  name: r.name,
  restriction_type: r.type,
  restriction_value: r.value,
});

/** The owner from `owner-slug`, or `owner-id` (an organisation id of a project on this installation). */
async function ownerFromQuery(ctx: RouteContext): Promise<string> {
  const { query } = ctx.req;
  if (query['owner-slug']) return ownerOf({ slug: query['owner-slug'] }).slug;
  if (query['owner-id']) {
    const project = (await ctx.deps.projects.listProjects()).find((p) => p.organizationId === query['owner-id']);
    if (!project) throw new NotFoundError('No organisation with that owner-id has projects here.');
    return project.organizationSlug;
  }
  throw new ValidationError('Give owner-slug (for example gh/acme) or owner-id.');
}

async function load(ctx: RouteContext, role: 'viewer' | 'member' | 'admin') {
  const id = ctx.req.params.id;
  return contextFor(ctx.deps, await ctx.user(), id, role);
}

export const contextRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/context',
    async handle(ctx) {
      const user = await ctx.user();
      const owner = await ownerFromQuery(ctx);
      authorize(user, owner, 'viewer');
      const page = await ctx.deps.contexts.listContexts(owner, { pageToken: ctx.req.query['page-token'] });
      return json(200, { items: page.items.map(apiContext), next_page_token: page.nextPageToken });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/context',
    async handle(ctx) {
      const user = await ctx.user();
      const body = parseBody(CreateBody, ctx.req.body);
      let owner = body.owner;
      if (!owner.slug && owner.id) {
        const project = (await ctx.deps.projects.listProjects()).find((p) => p.organizationId === owner.id);
        if (!project) throw new NotFoundError('No organisation with that owner id has projects here; give owner.slug.');
        owner = { slug: project.organizationSlug };
      }
      return json(200, apiContext(await createContext(ctx.deps, user, { name: body.name, owner })));
    },
  },
  { method: 'GET', path: '/api/v2/context/:id', handle: async (ctx) => json(200, apiContext(await load(ctx, 'viewer'))) },
  {
    method: 'DELETE',
    path: '/api/v2/context/:id',
    async handle(ctx) {
      const context = await load(ctx, 'admin');
      await ctx.deps.contexts.deleteContext(context.id);
      return json(200, { message: 'Context deleted.' });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/context/:id/environment-variable',
    async handle(ctx) {
      const context = await load(ctx, 'viewer');
      return json(200, { items: await listContextVariables(ctx.deps, context), next_page_token: null });
    },
  },
  {
    method: 'PUT',
    path: '/api/v2/context/:id/environment-variable/:name',
    async handle(ctx) {
      const context = await load(ctx, 'admin');
      const { value } = parseBody(VarBody, ctx.req.body);
      if (!VAR_NAME.test(ctx.req.params.name))
        throw new ValidationError(`Invalid variable name "${ctx.req.params.name}": it must be a valid shell variable name.`);
      return json(200, await putContextVariable(ctx.deps, context, ctx.req.params.name, value));
    },
  },
  {
    method: 'DELETE',
    path: '/api/v2/context/:id/environment-variable/:name',
    async handle(ctx) {
      const context = await load(ctx, 'admin');
      if (!(await ctx.deps.contexts.deleteVariable(context.id, ctx.req.params.name)))
        throw new NotFoundError(`Environment variable ${ctx.req.params.name} not found`);
      return json(200, { message: 'Environment variable deleted.' });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/context/:id/restrictions',
    async handle(ctx) {
      const context = await load(ctx, 'viewer');
      return json(200, { items: (await ctx.deps.contexts.listRestrictions(context.id)).map(apiRestriction), next_page_token: null });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/context/:id/restrictions',
    async handle(ctx) {
      const context = await load(ctx, 'admin');
      const body = parseBody(RestrictionBody, ctx.req.body);
      const type = body.restriction_type ?? (body.project_id ? 'project' : undefined);
      const value = body.restriction_value ?? body.project_id;
      if (!type || !value) throw new ValidationError('Give restriction_type (project or expression) and restriction_value.');
      const { context_id: _id, ...created } = apiRestriction(await addRestriction(ctx.deps, context, { type, value }));
      return json(201, created);
    },
  },
  {
    method: 'DELETE',
    path: '/api/v2/context/:id/restrictions/:restrictionId',
    async handle(ctx) {
      const context = await load(ctx, 'admin');
      if (!(await ctx.deps.contexts.deleteRestriction(context.id, ctx.req.params.restrictionId))) throw new NotFoundError('Restriction not found');
      return json(200, { message: 'Context restriction deleted.' });
    },
  },
];
