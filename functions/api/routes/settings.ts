import { z } from 'zod';
import { ValidationError } from '../../../shared/model/errors';
import { triggerFromPush } from '../../../shared/services/github/github-push';
import {
  apiFeatureFlags,
  apiProjectSettings,
  parseFeatureFlags,
  parseSettingsPatch,
  settingsWriteRole,
  updateProjectSettings,
} from '../../../shared/services/projects/project-settings';
import { projectFor } from '../access';
import { json, type Route, type RouteContext } from '../http';

const v1Slug = (ctx: RouteContext) => `${ctx.req.params.vcs}/${ctx.req.params.org}/${ctx.req.params.repo}`;

const PushBody = z
  .object({
    updates: z
      .array(
        z.object({
          ref: z.string().min(1),
          before: z.string().optional(),
          after: z.string().regex(/^[0-9a-f]{40,64}$/, 'must be a commit id'),
          message: z.string().optional(),
        }),
      )
      .min(1)
      .max(100),
  })
  .strict();

/** Project settings (CircleCI v1.1 feature flags, v2 advanced settings) and local push-to-build. */
export const settingsRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/project/:slug/settings',
    async handle(ctx) {
      return json(200, apiProjectSettings(await projectFor(ctx, ctx.req.params.slug, 'viewer')));
    },
  },
  {
    method: 'PATCH',
    path: '/api/v2/project/:slug/settings',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      const changes = parseSettingsPatch(ctx.req.body);
      await projectFor(ctx, project.slug, settingsWriteRole(project));
      return json(200, apiProjectSettings(await updateProjectSettings(ctx.deps, project, changes)));
    },
  },
  {
    method: 'GET',
    path: '/api/v1.1/project/:vcs/:org/:repo/settings',
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'viewer');
      return json(200, {
        username: project.organizationName,
        reponame: project.name,
        vcs_url: project.repoUrl,
        default_branch: project.defaultBranch,
        feature_flags: apiFeatureFlags(project),
      });
    },
  },
  {
    method: 'PUT',
    path: '/api/v1.1/project/:vcs/:org/:repo/settings',
    async handle(ctx) {
      const project = await projectFor(ctx, v1Slug(ctx), 'viewer');
      const changes = parseFeatureFlags(ctx.req.body);
      await projectFor(ctx, project.slug, settingsWriteRole(project));
      const updated = await updateProjectSettings(ctx.deps, project, changes);
      return json(200, {
        username: updated.organizationName,
        reponame: updated.name,
        vcs_url: updated.repoUrl,
        default_branch: updated.defaultBranch,
        feature_flags: apiFeatureFlags(updated),
      });
    },
  },
  {
    // Slipway's push-to-build for repositories without GitHub: the `post-receive` hook installed by
    // `slipway project add --watch` reports the updated refs; each builds with GitHub's push semantics.
    method: 'POST',
    path: '/api/v2/project/:slug/push',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'member');
      const r = PushBody.safeParse(ctx.req.body ?? {});
      if (!r.success) throw new ValidationError(`Invalid request body at ${r.error.issues[0].path.join('.') || '(root)'}: ${r.error.issues[0].message}`);
      const user = await ctx.user();
      const items = [];
      for (const update of r.data.updates) {
        const outcome = await triggerFromPush(ctx.deps, project, update, { login: user.login, avatarUrl: null });
        items.push('pipeline' in outcome ? { ref: outcome.ref, pipeline: { id: outcome.pipeline.id, number: outcome.pipeline.number } } : outcome);
      }
      return json(200, { items });
    },
  },
];
