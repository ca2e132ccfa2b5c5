import { createHash } from 'node:crypto';
import type { AuditEvent } from '../../ports/audit-log';
import { recordAudit } from '../audit/audit';
import type { ControlPlaneDeps } from '../deps';

/** Refused authentications from one source, within one window, that make a burst (one alarmable event). */
export const AUTH_FAILURE_BURST_THRESHOLD = 10;
/** The burst window, in seconds (fixed windows aligned on the epoch). */
export const AUTH_FAILURE_BURST_WINDOW_SECONDS = 60;
/** Characters kept of the presented token's hash, to correlate a burst (never the token itself). */
const TOKEN_HASH_PREFIX = 12;
/** Domain-separated from the token store's key hash, so the prefix is no prefix of a stored key. */
const tokenTag = (token: string) => createHash('sha256').update(`auth-failure\0${token}`).digest('hex').slice(0, TOKEN_HASH_PREFIX);

type Deps = Pick<ControlPlaneDeps, 'auditLog' | 'clock' | 'metrics' | 'dedupe'>;

/**
 * Counts one refused authentication per source (the caller's IP, and the presented token's hash prefix) in
 * the store, so every Lambda instance shares the count. The failure that reaches the threshold within a
 * window records one `auth.failure_burst` event for that source; further failures in that window add none.
 */
export async function noteAuthFailure(deps: Deps, input: { token: string | undefined; request: AuditEvent['request'] }): Promise<void> {
  const now = deps.clock.now();
  const window = AUTH_FAILURE_BURST_WINDOW_SECONDS;
  const bucket = Math.floor(now.getTime() / 1000 / window);
  const sources: Array<[kind: 'ip' | 'token', id: string]> = [];
  if (input.request.ip) sources.push(['ip', input.request.ip]);
  if (input.token) sources.push(['token', tokenTag(input.token)]);
  for (const [kind, id] of sources) {
    const count = await deps.dedupe.count(`auth-failure:${kind}:${id}:${bucket}`, window * 2, now);
    if (count !== AUTH_FAILURE_BURST_THRESHOLD) continue;
    recordAudit(deps, {
      actor: { id: null, login: null, type: 'anonymous' },
      action: 'auth.failure_burst',
      target: { type: 'api', id: null },
      request: input.request,
      outcome: 'failure',
      metadata: {
        source: kind,
        ...(kind === 'token' ? { token_tag: id } : {}),
        count,
        window_seconds: window,
        window_start: new Date(bucket * window * 1000).toISOString(),
      },
    });
  }
}
