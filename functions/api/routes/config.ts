import { z } from 'zod';
import type { CompileConfigRequest } from '../../../shared/config/compile-with-defaults';
import { ValidationError } from '../../../shared/model/errors';
import { compileUserConfigWithDefaults } from '../../../shared/services/pipelines/config-compile';
import { listOrbVersions, publishOrb } from '../../../shared/services/pipelines/orbs';
import { json, type Route } from '../http';

const PublishBody = z.object({ source: z.string().min(1).max(2_000_000) }).strict();

/**
 * Config compilation as the `circleci` CLI calls it (`circleci config validate|process --host <slipway>`) and
 * the private orb registry that registry orb references resolve against.
 */
export const configRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/compile-config-with-defaults',
    async handle(ctx) {
      await ctx.user();
      if (!ctx.req.body || typeof ctx.req.body !== 'object') throw new ValidationError('Send {"config_yaml": "<config text>", "options": {...}} as JSON.');
      const result = await compileUserConfigWithDefaults(ctx.deps, ctx.req.body as CompileConfigRequest);
      // A config past a compile limit is refused as a bad request; other problems answer 200 with
      // `valid: false`, as CircleCI's endpoint does.
      const limit = result.errors.find((e) => e.code === 'limit');
      return limit ? json(400, { message: limit.message, ...result }) : json(200, result);
    },
  },
  {
    method: 'POST',
    path: '/api/v2/slipway/orbs/:namespace/:name/:version',
    async handle(ctx) {
      const user = await ctx.user();
      const r = PublishBody.safeParse(ctx.req.body ?? {});
      if (!r.success)
        throw new ValidationError(
          `Invalid request body at ${r.error.issues[0].path.join('.') || '(root)'}: ${r.error.issues[0].message}. Send {"source": "<packed orb.yml>"}.`,
        );
      const { namespace, name, version } = ctx.req.params;
      return json(201, await publishOrb(ctx.deps, user, { namespace, name, version, source: r.data.source }));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/slipway/orbs/:namespace/:name',
    async handle(ctx) {
      await ctx.user();
      return json(200, await listOrbVersions(ctx.deps, ctx.req.params.namespace, ctx.req.params.name));
    },
  },
];
