/** Who did it: a user (by API token or session), a runner, or the system itself. */
export interface AuditActor {
  id: string | null;
  login: string | null;
  type: 'user' | 'runner' | 'system' | 'anonymous';
}

/**
 * One audit record (one JSON line). `metadata` carries names and identifiers only, never a secret value
 * (an env var's name, never its value; a token's label, never the token).
 */
export interface AuditEvent {
  id: string;
  occurred_at: string;
  actor: AuditActor;
  /** Dotted verb, e.g. `token.created`, `envvar.deleted`, `workflow.canceled`, `authentication.failed`. */
  action: string;
  target: { type: string; id: string | null };
  request: { id: string | null; ip: string | null; user_agent: string | null };
  outcome: 'success' | 'failure';
  metadata: Record<string, string | number | boolean | null>;
}

/**
 * The audit log (CircleCI's audit-log-service): append-only, tamper-evident storage of security-relevant
 * events, and export by time range.
 *
 * Semantics (every adapter passes `defineAuditLogContract`):
 * - `record` buffers an event; nothing is durable until `flush` resolves. `flush` writes every buffered event
 *   (one object per flush, however many events) and throws when the write failed; the events stay buffered
 *   for the next flush. Concurrent `record` calls are safe; `flush` with nothing buffered does nothing.
 * - Records are never changed or deleted through the port. An event flushed twice (a retried flush after an
 *   ambiguous failure) may be listed twice; its `id` tells them apart.
 * - `list` resolves the events with `from <= occurred_at < to`, oldest first (ties by id).
 */
export interface AuditLog {
  record(event: AuditEvent): void;
  flush(): Promise<void>;
  list(range: { from: Date; to: Date }): Promise<AuditEvent[]>;
}
