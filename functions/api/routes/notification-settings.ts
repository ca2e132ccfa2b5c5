import { z } from 'zod';
import { SlipwayError } from '../../../shared/model/errors';
import type { EmailNotificationLevel } from '../../../shared/ports/notification-preferences';
import type { ControlPlaneDeps } from '../../../shared/services/deps';
import { DEFAULT_EMAIL_LEVEL } from '../../../shared/services/notifications/email-notifications';
import { settingsWriteRole } from '../../../shared/services/projects/project-settings';
import { parseBody, projectFor } from '../access';
import { json, type Route } from '../http';

const Level = z.enum(['all', 'failed_and_fixed', 'none']);
const UserBody = z
  .object({
    email: z
      .string()
      .max(320)
      .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an email address (name@host)')
      .nullable()
      .optional(),
    email_notifications: Level.optional(),
  })
  .strict();
const ProjectBody = z.object({ email_notifications: Level }).strict();

function prefsOf(deps: ControlPlaneDeps) {
  if (!deps.notificationPreferences) throw new SlipwayError('Email notifications are not enabled on this Slipway installation.', 501);
  return deps.notificationPreferences;
}

const userShape = (p: { email?: string; emailNotifications: EmailNotificationLevel } | undefined) => ({
  email: p?.email ?? null,
  email_notifications: p?.emailNotifications ?? DEFAULT_EMAIL_LEVEL,
});

/** Email notification settings: the caller's own (address and level), and a project's level. */
export const notificationSettingsRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/slipway/me/notifications',
    async handle(ctx) {
      return json(200, userShape(await prefsOf(ctx.deps).getUser((await ctx.user()).id)));
    },
  },
  {
    method: 'PUT',
    path: '/api/v2/slipway/me/notifications',
    async handle(ctx) {
      const user = await ctx.user();
      const body = parseBody(UserBody, ctx.req.body);
      const prefs = prefsOf(ctx.deps);
      const before = await prefs.getUser(user.id);
      const next = {
        userId: user.id,
        email: body.email === undefined ? before?.email : (body.email ?? undefined),
        emailNotifications: body.email_notifications ?? before?.emailNotifications ?? DEFAULT_EMAIL_LEVEL,
      };
      await prefs.putUser(next);
      return json(200, userShape(next));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/project/:slug/notifications',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      return json(200, { email_notifications: (await prefsOf(ctx.deps).getProject(project.slug))?.emailNotifications ?? DEFAULT_EMAIL_LEVEL });
    },
  },
  {
    method: 'PUT',
    path: '/api/v2/project/:slug/notifications',
    async handle(ctx) {
      const project = await projectFor(ctx, ctx.req.params.slug, 'viewer');
      await projectFor(ctx, project.slug, settingsWriteRole(project));
      const body = parseBody(ProjectBody, ctx.req.body);
      await prefsOf(ctx.deps).putProject(project.slug, { emailNotifications: body.email_notifications });
      return json(200, { email_notifications: body.email_notifications });
    },
  },
];
