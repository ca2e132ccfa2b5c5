import { ValidationError } from '../../../shared/model/errors';
import { exportAudit, flushAudit, parseRange, recordAudit, userActor } from '../../../shared/services/audit/audit';
import { logError } from '../../observability';
import type { Route } from '../http';

/** Export of the audit log (instance administrators): `?from=&to=` (ISO 8601) and `format=jsonl|csv`. */
export const auditRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/slipway/audit',
    async handle(ctx) {
      const user = await ctx.user();
      const format = ctx.req.query.format ?? 'jsonl';
      if (format !== 'jsonl' && format !== 'csv') throw new ValidationError(`format must be jsonl or csv, not ${JSON.stringify(format)}.`);
      const range = parseRange(ctx.req.query.from, ctx.req.query.to, ctx.deps.clock.now());
      const body = await exportAudit(ctx.deps, user, range, format);
      recordAudit(ctx.deps, {
        actor: userActor(user),
        action: 'audit.exported',
        target: { type: 'audit-log', id: null },
        outcome: 'success',
        metadata: { from: range.from.toISOString(), to: range.to.toISOString(), format },
      });
      await flushAudit(ctx.deps, (e) => logError('audit write failed', e));
      return { status: 200, text: body, headers: { 'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8' } };
    },
  },
];
