import { z } from 'zod';
import { NotFoundError, UnauthorizedError } from '../../../shared/model/errors';
import {
  artifactUploadUrls,
  listJobArtifacts,
  listJobTests,
  previousTimings,
  restoreCacheUrl,
  saveCacheUrl,
  testResultsUrl,
  workspaceLayers,
  workspaceLayerUrl,
} from '../../../shared/services/jobs/job-blobs';
import type { TaskClaims } from '../../../shared/services/identity/tokens';
import { projectFor } from '../access';
import { parseBody } from '../access';
import { json, type Route, type RouteContext } from '../http';

async function taskClaims(ctx: RouteContext): Promise<TaskClaims> {
  const auth = Object.entries(ctx.req.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  if (!auth?.startsWith('Bearer ')) throw new UnauthorizedError('The runner API needs a task token: Authorization: Bearer <token>.');
  return ctx.deps.tokens.verifyTask(auth.slice(7));
}

const Key = z.string().min(1).max(900);
const SaveCache = z.object({ key: Key });
const RestoreCache = z.object({ keys: z.array(Key).min(1).max(50) });
const Artifacts = z.object({ paths: z.array(z.string().min(1).max(900)).min(1).max(500) });

async function jobByNumber(ctx: RouteContext) {
  const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
  const job = await ctx.deps.pipelines.getJobByNumber(project.slug, Number(ctx.req.params.number));
  if (!job) throw new NotFoundError('Job not found');
  return job;
}

/**
 * Bytes of caches, workspaces, artifacts and test results: presigned S3 URLs for agents (task token) and the
 * CircleCI v2 listings of a job's artifacts and tests (API token).
 */
export const jobBlobRoutes: Route[] = [
  {
    method: 'POST',
    path: '/runner/v1/task/cache/save',
    handle: async (ctx) => json(200, await saveCacheUrl(ctx.deps, await taskClaims(ctx), parseBody(SaveCache, ctx.req.body).key)),
  },
  {
    method: 'POST',
    path: '/runner/v1/task/cache/restore',
    handle: async (ctx) => json(200, await restoreCacheUrl(ctx.deps, await taskClaims(ctx), parseBody(RestoreCache, ctx.req.body).keys)),
  },
  { method: 'POST', path: '/runner/v1/task/workspace/persist', handle: async (ctx) => json(200, await workspaceLayerUrl(ctx.deps, await taskClaims(ctx))) },
  { method: 'POST', path: '/runner/v1/task/workspace/attach', handle: async (ctx) => json(200, await workspaceLayers(ctx.deps, await taskClaims(ctx))) },
  {
    method: 'POST',
    path: '/runner/v1/task/artifacts',
    handle: async (ctx) => json(200, await artifactUploadUrls(ctx.deps, await taskClaims(ctx), parseBody(Artifacts, ctx.req.body).paths)),
  },
  { method: 'POST', path: '/runner/v1/task/test-results', handle: async (ctx) => json(200, await testResultsUrl(ctx.deps, await taskClaims(ctx))) },
  { method: 'GET', path: '/runner/v1/task/timings', handle: async (ctx) => json(200, await previousTimings(ctx.deps, await taskClaims(ctx))) },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/:number/artifacts',
    handle: async (ctx) => json(200, await listJobArtifacts(ctx.deps, await jobByNumber(ctx))),
  },
  { method: 'GET', path: '/api/v2/project/:slug/:number/tests', handle: async (ctx) => json(200, await listJobTests(ctx.deps, await jobByNumber(ctx))) },
];
