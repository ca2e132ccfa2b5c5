import { ValidationError } from '../../../shared/model/errors';
import { authorize } from '../../../shared/services/identity/auth';
import {
  branchScope,
  dateWindow,
  jobTimeSeries,
  projectBranches,
  reportingWindow,
  workflowJobsSummary,
  workflowRuns,
  workflowsSummary,
  workflowSummary,
} from '../../../shared/services/insights/insights';
import { orgSummary, projectPageSummary } from '../../../shared/services/insights/insights-pages';
import { flakyTests, workflowTestMetrics } from '../../../shared/services/insights/insights-tests';
import { projectFor } from '../access';
import { json, type Route, type RouteContext } from '../http';

/** The project of an Insights route (viewers may read), with the request's time and query. */
async function scope(ctx: RouteContext) {
  const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
  return { project, now: ctx.deps.clock.now(), q: ctx.req.query, name: ctx.req.params.name };
}

/** CircleCI Insights (API v2), computed from the stored workflows and jobs; credits are not metered (0). */
export const insightsRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/insights/pages/:slug/summary',
    async handle(ctx) {
      const { project, now, q } = await scope(ctx);
      return json(200, await projectPageSummary(ctx.deps, project, reportingWindow(now, q['reporting-window']), q));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/insights/time-series/:slug/workflows/:name/jobs',
    async handle(ctx) {
      const { project, now, q, name } = await scope(ctx);
      const granularity = q.granularity ?? 'daily';
      if (granularity !== 'daily' && granularity !== 'hourly') throw new ValidationError('granularity must be daily or hourly.');
      return json(
        200,
        await jobTimeSeries(ctx.deps, project, name, dateWindow(now, q['start-date'], q['end-date']), q.branch ?? project.defaultBranch, granularity),
      );
    },
  },
  {
    method: 'GET',
    path: '/api/v2/insights/:vcs/:org/summary',
    async handle(ctx) {
      const user = await ctx.user();
      const vcs = { github: 'gh', bitbucket: 'bb' }[ctx.req.params.vcs] ?? ctx.req.params.vcs;
      const orgSlug = `${vcs}/${ctx.req.params.org}`;
      authorize(user, orgSlug, 'viewer');
      const projects = (await ctx.deps.projects.listProjects()).filter((p) => p.organizationSlug === orgSlug);
      return json(
        200,
        await orgSummary(ctx.deps, projects, reportingWindow(ctx.deps.clock.now(), ctx.req.query['reporting-window']), ctx.req.query['project-names']),
      );
    },
  },
  {
    method: 'GET',
    path: '/api/v2/insights/:slug/branches',
    async handle(ctx) {
      const { project, now, q } = await scope(ctx);
      return json(200, await projectBranches(ctx.deps, project, now, q['workflow-name']));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/insights/:slug/flaky-tests',
    async handle(ctx) {
      const { project, now } = await scope(ctx);
      return json(200, await flakyTests(ctx.deps, project, now));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/insights/:slug/workflows',
    async handle(ctx) {
      const { project, now, q } = await scope(ctx);
      return json(200, await workflowsSummary(ctx.deps, project, reportingWindow(now, q['reporting-window']), branchScope(project, q)));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/insights/:slug/workflows/:name',
    async handle(ctx) {
      const { project, now, q, name } = await scope(ctx);
      return json(200, await workflowRuns(ctx.deps, project, name, dateWindow(now, q['start-date'], q['end-date']), branchScope(project, q), q['page-token']));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/insights/:slug/workflows/:name/jobs',
    async handle(ctx) {
      const { project, now, q, name } = await scope(ctx);
      return json(200, await workflowJobsSummary(ctx.deps, project, name, reportingWindow(now, q['reporting-window']), branchScope(project, q), q['job-name']));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/insights/:slug/workflows/:name/summary',
    async handle(ctx) {
      const { project, now, q, name } = await scope(ctx);
      return json(200, await workflowSummary(ctx.deps, project, name, now, branchScope(project, q)));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/insights/:slug/workflows/:name/test-metrics',
    async handle(ctx) {
      const { project, now, q, name } = await scope(ctx);
      return json(200, await workflowTestMetrics(ctx.deps, project, name, now, branchScope(project, q)));
    },
  },
];
