import { randomUUID } from 'node:crypto';
import type { User } from '../../model/entities';
import { ForbiddenError, ValidationError } from '../../model/errors';
import type { AuditActor, AuditEvent } from '../../ports/audit-log';
import type { ControlPlaneDeps } from '../deps';

/**
 * The audit log's use cases: record an event (any feature may, through `recordAudit`), persist the buffered
 * events without ever failing the caller's action, and export a time range for administrators.
 */

type Deps = Pick<ControlPlaneDeps, 'auditLog' | 'clock' | 'metrics'>;

export type AuditInput = Omit<AuditEvent, 'id' | 'occurred_at' | 'metadata' | 'request'> & Partial<Pick<AuditEvent, 'metadata' | 'request'>>;

/** Longest range one export may cover. */
export const MAX_EXPORT_DAYS = 31;

export const userActor = (user: User | undefined): AuditActor =>
  user ? { id: user.id, login: user.login, type: 'user' } : { id: null, login: null, type: 'anonymous' };

/** Buffers an event (written by the next `flushAudit`). */
export function recordAudit(deps: Deps, input: AuditInput): void {
  deps.auditLog?.record({
    id: randomUUID(),
    occurred_at: deps.clock.now().toISOString(),
    request: { id: null, ip: null, user_agent: null },
    metadata: {},
    ...input,
  });
}

/**
 * Writes the buffered events. Never throws: a failed write is counted (`AuditWriteFailures`, alarmed on the
 * dashboard) and handed to `onError`; the events stay buffered for the next flush.
 */
export async function flushAudit(deps: Deps, onError: (e: unknown) => void = () => undefined): Promise<void> {
  try {
    await deps.auditLog?.flush();
  } catch (e) {
    deps.metrics?.record('AuditWriteFailures', 1);
    onError(e);
  }
}

const CSV_COLUMNS = [
  'id',
  'occurred_at',
  'actor_id',
  'actor_login',
  'actor_type',
  'action',
  'target_type',
  'target_id',
  'request_id',
  'ip',
  'user_agent',
  'outcome',
  'metadata',
];
const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function auditCsv(events: AuditEvent[]): string {
  const rows = events.map((e) =>
    [
      e.id,
      e.occurred_at,
      e.actor.id,
      e.actor.login,
      e.actor.type,
      e.action,
      e.target.type,
      e.target.id,
      e.request.id,
      e.request.ip,
      e.request.user_agent,
      e.outcome,
      JSON.stringify(e.metadata),
    ]
      .map(csvCell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/** Parses an export range (ISO 8601 instants); at most {@link MAX_EXPORT_DAYS} days. */
export function parseRange(from: string | undefined, to: string | undefined, now: Date): { from: Date; to: Date } {
  const end = to ? new Date(to) : now;
  const start = from ? new Date(from) : new Date(end.getTime() - 24 * 3600_000);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new ValidationError('from and to must be ISO 8601 times, e.g. 2026-01-31T00:00:00Z.');
  if (start >= end) throw new ValidationError('from must be before to.');
  if (end.getTime() - start.getTime() > MAX_EXPORT_DAYS * 24 * 3600_000)
    throw new ValidationError(`An export covers at most ${MAX_EXPORT_DAYS} days; split the range.`);
  return { from: start, to: end };
}

/** The events of a range, as JSON lines or CSV (CircleCI's export format); instance administrators only. */
export async function exportAudit(deps: Deps, user: User, range: { from: Date; to: Date }, format: 'jsonl' | 'csv'): Promise<string> {
  if (!user.admin) throw new ForbiddenError('Only instance administrators may export the audit log.');
  if (!deps.auditLog) throw new ValidationError('The audit log is not enabled on this Slipway installation.');
  await flushAudit(deps);
  const events = await deps.auditLog.list(range);
  return format === 'csv' ? auditCsv(events) : events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
}
