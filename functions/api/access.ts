import type { z } from 'zod';
import type { Project, Role, Workflow } from '../../shared/model/entities';
import { NotFoundError, ValidationError } from '../../shared/model/errors';
import { authorize } from '../../shared/services/auth';
import { getProjectOrThrow } from '../../shared/services/projects';
import type { RouteContext } from './http';

/** Loads a project and checks the caller's role in its organisation. */
export async function projectFor(ctx: RouteContext, slug: string, role: Role): Promise<Project> {
  const user = await ctx.user();
  const project = await getProjectOrThrow(ctx.deps, slug);
  authorize(user, project.organizationSlug, role);
  return project;
}

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
