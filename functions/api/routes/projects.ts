import { z } from 'zod';
import { ForbiddenError } from '../../../shared/model/errors';
import { apiProject } from '../api-shapes';
import { apiProjectSettings } from '../../../shared/services/projects/project-settings';
import { addProject, vcsRepositoryUrl } from '../../../shared/services/projects/projects';
import { deleteEnvVar, getEnvVar, listEnvVars, putEnvVar } from '../../../shared/services/projects/env-vars';
import { projectFor, parseBody } from '../access';
import { json, type Route } from '../http';

const CreateBody = z.object({ repo_url: z.string().min(1), default_branch: z.string().min(1).optional() }).strict();
const EnvVarBody = z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid shell variable name'), value: z.string() }).strict();

export const projectRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/project/:slug',
    async handle(ctx) {
      const user = await ctx.user();
      if (!user.admin) throw new ForbiddenError('Only an instance admin can add projects. Ask the administrator of this Slipway installation.');
      // CircleCI's form has no body and answers with the project's settings; Slipway's names the repository.
      if (ctx.req.body === undefined) {
        const project = await addProject(ctx.deps, { slug: ctx.req.params.slug, repoUrl: vcsRepositoryUrl(ctx.deps, ctx.req.params.slug) });
        return json(201, apiProjectSettings(project));
      }
      const body = parseBody(CreateBody, ctx.req.body);
      const project = await addProject(ctx.deps, { slug: ctx.req.params.slug, repoUrl: body.repo_url, defaultBranch: body.default_branch });
      return json(201, apiProject(project));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug',
    async handle(ctx) {
      return json(200, apiProject(await projectFor(ctx, ctx.req.params.slug, 'viewer')));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/envvar',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      return json(200, { items: await listEnvVars(ctx.deps, project.slug), next_page_token: null });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/project/:slug/envvar',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'member');
      const body = parseBody(EnvVarBody, ctx.req.body);
      return json(201, await putEnvVar(ctx.deps, project.slug, body.name, body.value));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/envvar/:name',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      return json(200, await getEnvVar(ctx.deps, project.slug, ctx.req.params.name));
    },
  },
  {
    method: 'DELETE',
    path: '/api/v2/project/:slug/envvar/:name',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'member');
      await deleteEnvVar(ctx.deps, project.slug, ctx.req.params.name);
      return json(200, { message: 'Environment variable deleted.' });
    },
  },
];
