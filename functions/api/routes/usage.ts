import { z } from 'zod';
import { NotFoundError } from '../../../shared/model/errors';
import { authorize } from '../../../shared/services/identity/auth';
import { createUsageExport, getUsageExport } from '../../../shared/services/insights/usage-export';
import { parseBody } from '../access';
import { json, type Route, type RouteContext } from '../http';

const ExportBody = z
  .object({ start: z.string().datetime({ offset: true }), end: z.string().datetime({ offset: true }), shared_org_ids: z.array(z.string().uuid()).optional() })
  .strict();

/** The projects of an organisation given by id, once the caller is checked to be one of its admins. */
async function orgProjects(ctx: RouteContext, orgId: string) {
  const user = await ctx.user();
  const projects = (await ctx.deps.projects.listProjects()).filter((p) => p.organizationId === orgId);
  if (!projects.length) throw new NotFoundError(`Organization ${orgId} not found (no project of it is set up).`);
  authorize(user, projects[0].organizationSlug, 'admin');
  return projects;
}

/** CircleCI's usage export: a CSV of every job's resource class, run time and the cost Slipway attributes to it. */
export const usageRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/organizations/:orgId/usage_export_job',
    async handle(ctx) {
      const projects = await orgProjects(ctx, ctx.req.params.orgId);
      const body = parseBody(ExportBody, ctx.req.body);
      return json(201, await createUsageExport(ctx.deps, ctx.req.params.orgId, projects, body));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/organizations/:orgId/usage_export_job/:id',
    async handle(ctx) {
      await orgProjects(ctx, ctx.req.params.orgId);
      return json(200, await getUsageExport(ctx.deps, ctx.req.params.orgId, ctx.req.params.id));
    },
  },
];
