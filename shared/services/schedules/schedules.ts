import { randomUUID } from 'node:crypto';
import type { Project, Schedule, Timetable, User } from '../../model/entities';
import { NotFoundError, ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';
import { triggerPipeline } from '../pipelines/pipelines';
import { SYSTEM_ACTOR } from './config-schedules';
import { nextCronRun, nextTimetableRun, timetableProblem } from './timetable';

/** The schedule fields of CircleCI's API bodies (`timetable` in its kebab-case shape). */
export interface ScheduleInput {
  name?: string;
  description?: string | null;
  'attribution-actor'?: 'current' | 'system';
  parameters?: Record<string, string | number | boolean>;
  timetable?: {
    'per-hour': number;
    'hours-of-day': number[];
    'days-of-week'?: Timetable['daysOfWeek'];
    'days-of-month'?: number[];
    months?: Timetable['months'];
  };
}

function toTimetable(t: NonNullable<ScheduleInput['timetable']>): Timetable {
  const tt: Timetable = {
    perHour: t['per-hour'],
    hoursOfDay: t['hours-of-day'],
    daysOfWeek: t['days-of-week'],
    daysOfMonth: t['days-of-month'],
    months: t.months,
  };
  const problem = timetableProblem(tt);
  if (problem) throw new ValidationError(`Invalid timetable: ${problem}.`);
  return tt;
}

function checkParameters(parameters: Schedule['parameters']): void {
  if (parameters.branch === undefined && parameters.tag === undefined) {
    throw new ValidationError('A schedule needs parameters.branch (or parameters.tag): the branch its pipelines run on.');
  }
}

export async function createSchedule(
  deps: Pick<ControlPlaneDeps, 'schedules' | 'clock'>,
  project: Project,
  user: User,
  input: ScheduleInput,
): Promise<Schedule> {
  if (!input.name) throw new ValidationError('A schedule needs a name.');
  if (!input.timetable) throw new ValidationError('A schedule needs a timetable.');
  const timetable = toTimetable(input.timetable);
  const parameters = input.parameters ?? {};
  checkParameters(parameters);
  const now = deps.clock.now();
  const schedule: Schedule = {
    id: randomUUID(),
    projectSlug: project.slug,
    name: input.name,
    description: input.description ?? '',
    kind: 'api',
    timetable,
    parameters,
    actor: input['attribution-actor'] === 'system' ? SYSTEM_ACTOR : { id: user.id, login: user.login, name: user.name },
    nextRunAt: nextTimetableRun(timetable, now, true).toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await deps.schedules.putSchedule(schedule);
  return schedule;
}

export async function updateSchedule(
  deps: Pick<ControlPlaneDeps, 'schedules' | 'clock'>,
  schedule: Schedule,
  user: User,
  input: ScheduleInput,
): Promise<Schedule> {
  if (schedule.kind !== 'api') throw new ValidationError('This schedule comes from the config (triggers: schedule); change it there.');
  const now = deps.clock.now();
  const timetable = input.timetable ? toTimetable(input.timetable) : schedule.timetable!;
  const parameters = input.parameters ?? schedule.parameters;
  checkParameters(parameters);
  const updated: Schedule = {
    ...schedule,
    name: input.name ?? schedule.name,
    description: input.description ?? schedule.description,
    timetable,
    parameters,
    actor:
      input['attribution-actor'] === 'system'
        ? SYSTEM_ACTOR
        : input['attribution-actor'] === 'current'
          ? { id: user.id, login: user.login, name: user.name }
          : schedule.actor,
    nextRunAt: input.timetable ? nextTimetableRun(timetable, now, false).toISOString() : schedule.nextRunAt,
    updatedAt: now.toISOString(),
  };
  await deps.schedules.putSchedule(updated);
  return updated;
}

export async function getScheduleOrThrow(deps: Pick<ControlPlaneDeps, 'schedules'>, id: string): Promise<Schedule> {
  const schedule = await deps.schedules.getSchedule(id);
  if (!schedule || schedule.kind !== 'api') throw new NotFoundError('Schedule not found');
  return schedule;
}

/** CircleCI's Schedule JSON. */
export function apiSchedule(s: Schedule) {
  const tt = s.timetable!;
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    'project-slug': s.projectSlug,
    'created-at': s.createdAt,
    'updated-at': s.updatedAt,
    parameters: s.parameters,
    actor: s.actor,
    timetable: {
      'per-hour': tt.perHour,
      'hours-of-day': tt.hoursOfDay,
      ...(tt.daysOfWeek?.length ? { 'days-of-week': tt.daysOfWeek } : {}),
      ...(tt.daysOfMonth?.length ? { 'days-of-month': tt.daysOfMonth } : {}),
      ...(tt.months?.length ? { months: tt.months } : {}),
    },
  };
}

function nextRun(s: Schedule, now: Date): Date {
  return s.timetable ? nextTimetableRun(s.timetable, now, false) : nextCronRun(s.cron!, now);
}

/**
 * Fires every due schedule once for its slot (the cron handler's use case). Each slot is claimed with a
 * conditional write on `nextRunAt` first, so a second cron run, concurrent or late, finds it taken; a run
 * that was late by several slots fires once and moves on to the next slot after now. When the trigger
 * fails the claim is undone, so the next cron run retries the slot; the failures are returned.
 */
export async function fireDueSchedules(deps: ControlPlaneDeps): Promise<{ fired: number; failed: string[] }> {
  const now = deps.clock.now();
  let fired = 0;
  const failed: string[] = [];
  for (const s of await deps.schedules.listDue(now)) {
    const next = nextRun(s, now).toISOString();
    if (!(await deps.schedules.claimSlot(s.id, s.nextRunAt, next))) continue;
    const project = await deps.projects.getProject(s.projectSlug);
    if (!project) {
      await deps.schedules.deleteSchedule(s.id);
      continue;
    }
    const { branch, tag, ...parameters } = s.parameters;
    try {
      await triggerPipeline(deps, project, {
        branch: s.branch ?? (branch === undefined ? undefined : String(branch)),
        tag: s.tag ?? (tag === undefined ? undefined : String(tag)),
        parameters,
        scheduleId: s.id,
        trigger: { type: s.kind === 'api' ? 'scheduled_pipeline' : 'schedule', actor: { login: s.actor.login, avatarUrl: null } },
      });
      fired++;
    } catch (e) {
      await deps.schedules.claimSlot(s.id, next, s.nextRunAt);
      failed.push(`${s.id}: ${(e as Error).message}`);
    }
  }
  return { fired, failed };
}
