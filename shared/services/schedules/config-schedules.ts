// The legacy `triggers: schedule` of a config, kept in step with the project's default branch. Called by the
// pipelines domain when it compiles that branch's config; it needs no pipeline code, so it lives apart from
// schedules.ts (which triggers pipelines) and no cycle forms.
import type { Plan } from '../../config/plan';
import type { Project, Schedule } from '../../model/entities';
import type { ControlPlaneDeps } from '../deps';
import { stableUuid } from '../identity/tokens';
import { nextCronRun } from './timetable';

/** The actor of scheduled pipelines. */
export const SYSTEM_ACTOR = { id: '00000000-0000-4000-8000-000000000000', login: 'system-actor', name: 'Scheduled' };

/**
 * Keeps the legacy `triggers: schedule` of a config in step with the project's default branch: one schedule
 * per workflow, cron and branch named in its `filters.branches.only`; schedules no longer in the config go.
 */
export async function syncConfigSchedules(deps: Pick<ControlPlaneDeps, 'schedules' | 'clock'>, project: Project, plan: Plan): Promise<void> {
  const now = deps.clock.now();
  const wanted = new Map<string, Schedule>();
  for (const wf of plan.workflows) {
    for (const sp of wf.schedules) {
      for (const branch of (sp.filters.branches?.only ?? []).filter((b) => !b.startsWith('/'))) {
        const id = stableUuid(project.slug, 'config-schedule', wf.name, sp.cron, branch);
        wanted.set(id, {
          id,
          projectSlug: project.slug,
          name: `${wf.name} (${sp.cron})`,
          description: `triggers: schedule of workflow ${wf.name} in the config`,
          kind: 'config',
          cron: sp.cron,
          workflow: wf.name,
          branch,
          parameters: {},
          actor: SYSTEM_ACTOR,
          nextRunAt: nextCronRun(sp.cron, now).toISOString(),
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
        });
      }
    }
  }
  const existing: Schedule[] = [];
  let pageToken: string | undefined;
  do {
    const page = await deps.schedules.listSchedules(project.slug, { pageToken, limit: 100 });
    existing.push(...page.items.filter((s) => s.kind === 'config'));
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  for (const s of existing) if (!wanted.has(s.id)) await deps.schedules.deleteSchedule(s.id);
  const known = new Set(existing.map((s) => s.id));
  for (const s of wanted.values()) if (!known.has(s.id)) await deps.schedules.putSchedule(s);
}
