import { randomUUID } from 'node:crypto';
import type { Schedule } from '../model/entities';
import type { ScheduleStore } from './schedule-store';

function aSchedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: randomUUID(),
    projectSlug: `gh/org${randomUUID().slice(0, 6)}/demo`,
    name: 'nightly',
    description: '',
    kind: 'api',
    timetable: { perHour: 1, hoursOfDay: [1], daysOfWeek: ['MON'] },
    branch: 'main',
    parameters: {},
    actor: { id: 'u', login: 'u', name: 'U' },
    nextRunAt: '2030-01-01T00:00:00.000Z',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** The behaviour every ScheduleStore adapter must have (house rule 3). */
export function defineScheduleStoreContract(name: string, factory: () => Promise<ScheduleStore>): void {
  describe(`ScheduleStore contract: ${name}`, () => {
    let store: ScheduleStore;
    beforeAll(async () => {
      store = await factory();
    });

    it('creates, overwrites, lists newest first and deletes schedules', async () => {
      const a = aSchedule({ createdAt: '2026-01-01T00:00:00.000Z' });
      const b = aSchedule({ projectSlug: a.projectSlug, createdAt: '2026-01-02T00:00:00.000Z' });
      await store.putSchedule(a);
      await store.putSchedule(b);
      await store.putSchedule({ ...a, name: 'renamed' });
      expect((await store.getSchedule(a.id))?.name).toBe('renamed');
      const first = await store.listSchedules(a.projectSlug, { limit: 1 });
      expect(first.items.map((s) => s.id)).toEqual([b.id]);
      const rest = await store.listSchedules(a.projectSlug, { limit: 1, pageToken: first.nextPageToken! });
      expect(rest.items.map((s) => s.id)).toEqual([a.id]);
      expect(await store.deleteSchedule(a.id)).toBe(true);
      expect(await store.deleteSchedule(a.id)).toBe(false);
      expect(await store.getSchedule(a.id)).toBeUndefined();
    });

    it('finds due schedules and lets exactly one concurrent claim of a slot win', async () => {
      const due = aSchedule({ nextRunAt: '2000-01-01T00:00:00.000Z' });
      const later = aSchedule({ nextRunAt: '2999-01-01T00:00:00.000Z' });
      await store.putSchedule(due);
      await store.putSchedule(later);
      const found = (await store.listDue(new Date('2001-01-01T00:00:00Z'))).map((s) => s.id);
      expect(found).toContain(due.id);
      expect(found).not.toContain(later.id);
      const claims = await Promise.all(Array.from({ length: 5 }, () => store.claimSlot(due.id, due.nextRunAt, '2000-01-01T01:00:00.000Z')));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await store.getSchedule(due.id))?.nextRunAt).toBe('2000-01-01T01:00:00.000Z');
      expect((await store.listDue(new Date('2000-01-01T00:30:00Z'))).map((s) => s.id)).not.toContain(due.id);
    });
  });
}
