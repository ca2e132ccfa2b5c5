import type { z } from 'zod';
import type { Job, Project, Role, Workflow } from '../../shared/model/entities';
import { NotFoundError, ValidationError } from '../../shared/model/errors';
import { authorize } from '../../shared/services/identity/auth';
import { getProjectOrThrow } from '../../shared/services/projects/projects';
import type { RouteContext } from './http';

/** Loads a project and checks the caller's role in its organisation. */
export async function projectFor(ctx: RouteContext, slug: string, role: Role): Promise<Project> {
  const user = await ctx.user();
  const project = await getProjectOrThrow(ctx.deps, slug);
  authorize(user, project.organizationSlug, role);
  return project;
}

/** A job by its number in a project, with its workflow (404 for either missing). */
export async function jobByNumber(ctx: RouteContext, slug: string, number: string, role: Role): Promise<{ project: Project; job: Job; workflow: Workflow }> {
  const project = await projectFor(ctx, slug, role);
  const job = await ctx.deps.pipelines.getJobByNumber(project.slug, Number(number));
  if (!job) throw new NotFoundError('Job not found');
  const workflow = await ctx.deps.pipelines.getWorkflow(job.workflowId);
  if (!workflow) throw new NotFoundError('Job not found');
  return { project, job, workflow };
}

/** The project slug of an API v1.1 path (`:vcs/:org/:repo`; the router has shortened the VCS name). */
export const v1Slug = (ctx: RouteContext): string => `${ctx.req.params.vcs}/${ctx.req.params.org}/${ctx.req.params.repo}`;

export async function workflowFor(ctx: RouteContext, id: string, role: Role): Promise<{ workflow: Workflow; project: Project }> {
  const user = await ctx.user();
  const workflow = await ctx.deps.pipelines.getWorkflow(id);
  if (!workflow) throw new NotFoundError('Workflow not found');
  const project = await getProjectOrThrow(ctx.deps, workflow.projectSlug);
  authorize(user, project.organizationSlug, role);
  return { workflow, project };
}

/** Validates a request body with a zod schema; the first problem becomes a 400 naming the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ValidationError(`Invalid request body at ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}
