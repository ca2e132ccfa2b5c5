import type { Schedule } from '../../model/entities';
import type { Page } from '../../ports/pipeline-store';
import type { ScheduleStore } from '../../ports/schedule-store';
import { decodePageToken, DynamoTable, encodePageToken, toEntity, type Item } from './dynamo-table';

const scheduleKey = (id: string) => ({ pk: `SCHEDULE#${id}`, sk: 'META' });
const DUE = 'SCHEDULES#DUE';

/** Schedules: `SCHEDULE#id`/`META`; gsi1 `PROJECT#slug#SCHEDULES` / createdAt (by project); gsi2 `SCHEDULES#DUE` / nextRunAt. */
export class DynamoScheduleStore implements ScheduleStore {
  constructor(private readonly table: DynamoTable) {}

  private item(s: Schedule): Item {
    return {
      ...scheduleKey(s.id),
      gsi1pk: `PROJECT#${s.projectSlug}#SCHEDULES`,
      gsi1sk: `${s.createdAt}#${s.id}`,
      gsi2pk: DUE,
      gsi2sk: `${s.nextRunAt}#${s.id}`,
      entity: 'schedule',
      ...s,
    };
  }

  async putSchedule(schedule: Schedule): Promise<void> {
    await this.table.put(this.item(schedule));
  }

  async getSchedule(id: string): Promise<Schedule | undefined> {
    return toEntity<Schedule>(await this.table.get(scheduleKey(id)));
  }

  async listSchedules(projectSlug: string, options: { pageToken?: string; limit?: number } = {}): Promise<Page<Schedule>> {
    const page = await this.table.query({
      index: 'gsi1',
      partition: `PROJECT#${projectSlug}#SCHEDULES`,
      descending: true,
      limit: options.limit ?? 20,
      startKey: decodePageToken(options.pageToken),
    });
    return { items: page.items.map((i) => toEntity<Schedule>(i)!), nextPageToken: encodePageToken(page.lastKey) };
  }

  deleteSchedule(id: string): Promise<boolean> {
    return this.table.delete(scheduleKey(id), { ifExists: true });
  }

  async listDue(now: Date): Promise<Schedule[]> {
    const cutoff = now.toISOString();
    const due: Schedule[] = [];
    let startKey: Item | undefined;
    // Ascending by next run time: stop at the first schedule not yet due.
    for (;;) {
      const page = await this.table.query({ index: 'gsi2', partition: DUE, limit: 100, startKey });
      for (const it of page.items) {
        if (String(it.nextRunAt) > cutoff) return due;
        due.push(toEntity<Schedule>(it)!);
      }
      startKey = page.lastKey;
      if (!startKey) return due;
    }
  }

  async claimSlot(id: string, expected: string, next: string): Promise<boolean> {
    const item = await this.table.update(
      scheduleKey(id),
      { set: { nextRunAt: next, gsi2sk: `${next}#${id}` } },
      { expression: '#n = :expected', names: { '#n': 'nextRunAt' }, values: { ':expected': expected } },
    );
    return Boolean(item);
  }
}
