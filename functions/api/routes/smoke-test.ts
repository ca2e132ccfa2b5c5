import { startSmokeTest } from '../../../shared/services/pipelines/smoke-test';
import { json, type Route } from '../http';

export const smokeTestRoutes: Route[] = [
  {
    // Instance administrators: start the built-in pipeline (`slipway admin smoke-test` then follows it).
    method: 'POST',
    path: '/api/v2/slipway/smoke-test',
    async handle(ctx) {
      const p = await startSmokeTest(ctx.deps, await ctx.user());
      return json(201, { id: p.id, number: p.number, state: p.state, project_slug: p.projectSlug, created_at: p.createdAt });
    },
  },
];
