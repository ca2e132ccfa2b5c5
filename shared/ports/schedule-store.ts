import type { Schedule } from '../model/entities';
import type { Page } from './pipeline-store';

/**
 * Scheduled pipelines (API schedules and config `triggers: schedule`), found by project and by next run time.
 *
 * Semantics (every adapter passes `defineScheduleStoreContract`):
 * - `putSchedule` creates or overwrites by id.
 * - `listDue(now)` returns schedules whose `nextRunAt` is at or before `now`, oldest first; the index is
 *   eventually consistent, so callers re-check with `claimSlot`.
 * - `claimSlot` moves `nextRunAt` from `expected` to `next` only when the stored value is still `expected`:
 *   of any number of concurrent claims of one slot exactly one resolves `true`. This is what makes a schedule
 *   fire once per slot even when the cron runs twice.
 * - `deleteSchedule` resolves whether it deleted something (safe to call twice).
 */
export interface ScheduleStore {
  putSchedule(schedule: Schedule): Promise<void>;
  getSchedule(id: string): Promise<Schedule | undefined>;
  /** Newest first. */
  listSchedules(projectSlug: string, options?: { pageToken?: string; limit?: number }): Promise<Page<Schedule>>;
  deleteSchedule(id: string): Promise<boolean>;
  listDue(now: Date): Promise<Schedule[]>;
  claimSlot(id: string, expected: string, next: string): Promise<boolean>;
}
