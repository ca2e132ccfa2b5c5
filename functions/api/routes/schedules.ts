import { z } from 'zod';
import { apiSchedule, createSchedule, getScheduleOrThrow, updateSchedule } from '../../../shared/services/schedules/schedules';
import { getProjectOrThrow } from '../../../shared/services/projects/projects';
import { authorize } from '../../../shared/services/identity/auth';
import { parseBody, projectFor } from '../access';
import { json, type Route, type RouteContext } from '../http';

const DAY = z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']);
const MONTH = z.enum(['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']);
const Timetable = z
  .object({
    'per-hour': z.number().int(),
    'hours-of-day': z.array(z.number().int()),
    'days-of-week': z.array(DAY).optional(),
    'days-of-month': z.array(z.number().int()).optional(),
    months: z.array(MONTH).optional(),
  })
  .strict();
const Body = z
  .object({
    name: z.string().min(1).optional(),
    description: z.string().nullable().optional(),
    'attribution-actor': z.enum(['current', 'system']).optional(),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    timetable: Timetable.optional(),
  })
  .strict();

/** A schedule with the caller's role checked in its project's organisation. */
async function scheduleFor(ctx: RouteContext, role: 'viewer' | 'member') {
  const user = await ctx.user();
  const schedule = await getScheduleOrThrow(ctx.deps, ctx.req.params.id);
  const project = await getProjectOrThrow(ctx.deps, schedule.projectSlug);
  authorize(user, project.organizationSlug, role);
  return { schedule, user };
}

export const scheduleRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/project/:slug/schedule',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'member');
      const body = parseBody(Body, ctx.req.body);
      return json(201, apiSchedule(await createSchedule(ctx.deps, project, await ctx.user(), body)));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/schedule',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      const page = await ctx.deps.schedules.listSchedules(project.slug, { pageToken: ctx.req.query['page-token'] });
      return json(200, { items: page.items.filter((s) => s.kind === 'api').map(apiSchedule), next_page_token: page.nextPageToken });
    },
  },
  { method: 'GET', path: '/api/v2/schedule/:id', handle: async (ctx) => json(200, apiSchedule((await scheduleFor(ctx, 'viewer')).schedule)) },
  {
    method: 'PATCH',
    path: '/api/v2/schedule/:id',
    async handle(ctx) {
      const { schedule, user } = await scheduleFor(ctx, 'member');
      return json(200, apiSchedule(await updateSchedule(ctx.deps, schedule, user, parseBody(Body, ctx.req.body))));
    },
  },
  {
    method: 'DELETE',
    path: '/api/v2/schedule/:id',
    async handle(ctx) {
      const { schedule } = await scheduleFor(ctx, 'member');
      await ctx.deps.schedules.deleteSchedule(schedule.id);
      return json(200, { message: 'Schedule deleted.' });
    },
  },
];
