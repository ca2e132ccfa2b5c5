import { z } from 'zod';
import { UnauthorizedError } from '../../../shared/model/errors';
import { continuePipeline, pipelineOfContinuationKey } from '../../../shared/services/pipelines/continuation';
import { parseBody } from '../access';
import { json, type Route } from '../http';

const ContinueBody = z
  .object({
    'continuation-key': z.string().min(1),
    configuration: z
      .string()
      .min(1)
      .max(4 * 1024 * 1024),
    parameters: z
      .record(z.string().max(128), z.union([z.string().max(512), z.number(), z.boolean()]))
      .refine((p) => Object.keys(p).length <= 100, 'at most 100 parameters')
      .optional(),
  })
  .strict();

/**
 * Dynamic config (CircleCI's `continuePipeline`). Authenticated by the continuation key alone, as CircleCI
 * does (setup jobs call it without a Circle-Token): the key is checked before anything else of the body.
 */
export const continuationRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/pipeline/continue',
    async handle(ctx) {
      const raw = ctx.req.body as Record<string, unknown> | undefined;
      const key = raw && typeof raw === 'object' ? raw['continuation-key'] : undefined;
      if (typeof key !== 'string' || !key) throw new UnauthorizedError('Missing continuation-key: send the CIRCLE_CONTINUATION_KEY of the setup job.');
      await pipelineOfContinuationKey(ctx.deps, key);
      const body = parseBody(ContinueBody, ctx.req.body);
      await continuePipeline(ctx.deps, { key, configuration: body.configuration, parameters: body.parameters });
      return json(200, { message: 'Pipeline continued.' });
    },
  },
];
