import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditLog } from './audit-log';

export const anAuditEvent = (occurredAt: string, over: Partial<AuditEvent> = {}): AuditEvent => ({
  id: randomUUID(),
  occurred_at: occurredAt,
  actor: { id: 'u1', login: 'admin', type: 'user' },
  action: 'token.created',
  target: { type: 'token', id: 't1' },
  request: { id: 'r1', ip: '127.0.0.1', user_agent: 'test' },
  outcome: 'success',
  metadata: { label: 'ci' },
  ...over,
});

export function defineAuditLogContract(name: string, factory: () => Promise<AuditLog>): void {
  describe(`AuditLog contract: ${name}`, () => {
    it('lists flushed events of a time range oldest first, across hours and flushes', async () => {
      const log = await factory();
      const events = ['2026-02-01T10:59:59.000Z', '2026-02-01T11:00:00.000Z', '2026-02-01T12:30:00.000Z', '2026-02-01T09:00:00.000Z'].map((t) =>
        anAuditEvent(t),
      );
      log.record(events[0]);
      log.record(events[1]);
      await log.flush();
      log.record(events[2]);
      log.record(events[3]);
      await log.flush();
      await log.flush();
      expect(await log.list({ from: new Date('2026-02-01T10:00:00Z'), to: new Date('2026-02-01T12:30:00Z') })).toEqual([events[0], events[1]]);
      expect((await log.list({ from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-02-02T00:00:00Z') })).map((e) => e.occurred_at)).toEqual([
        '2026-02-01T09:00:00.000Z',
        '2026-02-01T10:59:59.000Z',
        '2026-02-01T11:00:00.000Z',
        '2026-02-01T12:30:00.000Z',
      ]);
    });

    it('keeps nothing until flushed', async () => {
      const log = await factory();
      log.record(anAuditEvent('2026-03-01T00:00:00.000Z'));
      expect(await log.list({ from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') })).toEqual([]);
    });
  });
}
