import { NotFoundError } from '../../../shared/model/errors';
import { readStepOutput } from '../../../shared/services/jobs/job-output';
import { getProjectOrThrow } from '../../../shared/services/projects/projects';
import { jobByNumber, v1Slug } from '../access';
import { json, type Route, type RouteContext } from '../http';

/** A step's output as plain text (what CircleCI's MCP server reads for failure logs). */
async function rawOutput(ctx: RouteContext, stream: 'output' | 'error') {
  const { job } = await jobByNumber(ctx, v1Slug(ctx), ctx.req.params.number, 'viewer');
  const task = Number(ctx.req.params.task);
  const step = Number(ctx.req.params.step);
  if (!job.tasks[task]?.steps.some((s) => s.index === step)) throw new NotFoundError(`Job ${job.number} has no step ${step} in task ${task}.`);
  // Slipway records a step's stdout and stderr as one stream (in order, as a terminal shows them): it is the output.
  if (stream === 'error') return { status: 200, text: '' };
  const messages = await readStepOutput(ctx.deps, job, task, step);
  return { status: 200, text: messages.map((m) => m.message).join('') };
}

/** The private endpoints CircleCI's own tools call (same paths and shapes as circleci.com). */
export const privateRoutes: Route[] = [
  { method: 'GET', path: '/api/private/output/raw/:vcs/:org/:repo/:number/output/:task/:step', handle: (ctx) => rawOutput(ctx, 'output') },
  { method: 'GET', path: '/api/private/output/raw/:vcs/:org/:repo/:number/error/:task/:step', handle: (ctx) => rawOutput(ctx, 'error') },
  {
    method: 'GET',
    path: '/api/private/me/followed-projects',
    async handle(ctx) {
      const user = await ctx.user();
      const slugs = await ctx.deps.identity.listFollowedProjects(user.id);
      const projects = await Promise.all(slugs.map((s) => getProjectOrThrow(ctx.deps, s).catch(() => undefined)));
      const items = projects
        .filter((p) => p !== undefined)
        .map((p) => ({
          name: p.name,
          slug: p.slug,
          vcs_type: p.slug.startsWith('bb/') ? 'bitbucket' : 'github',
          organization_name: p.organizationName,
          id: p.id,
        }));
      return json(200, { items, next_page_token: null });
    },
  },
];
