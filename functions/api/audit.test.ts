import type { AuditEvent, AuditLog } from '../../shared/ports/audit-log';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import { audited } from './audit';
import { json, type RouteContext } from './http';

/** An audit store whose writes fail (S3 unavailable): the one edge this test needs to control. */
class UnwritableAuditLog implements AuditLog {
  buffered: AuditEvent[] = [];
  record(e: AuditEvent) {
    this.buffered.push(e);
  }
  async flush() {
    throw new Error('S3 is unavailable');
  }
  async list() {
    return [];
  }
}

describe('audited', () => {
  it('answers the caller although the audit write failed, counting the failure and keeping the event for the next flush', async () => {
    const auditLog = new UnwritableAuditLog();
    const counted: string[] = [];
    const deps = {
      auditLog,
      clock: { now: () => new Date('2026-05-01T00:00:00Z') },
      metrics: { record: (name: string) => counted.push(name) },
    } as unknown as ControlPlaneDeps;
    const route = audited({ method: 'POST', path: '/api/v2/project/:slug/envvar', handle: async () => json(201, { name: 'X', value: 'xxxx' }) });
    const ctx = {
      deps,
      req: {
        method: 'POST',
        path: '/api/v2/project/gh/a/b/envvar',
        params: { slug: 'gh/a/b' },
        query: {},
        headers: {},
        rawBody: '',
        body: { name: 'X', value: 'the-secret' },
      },
      user: async () => ({ id: 'u1', login: 'admin', name: 'admin', roles: {}, admin: true, createdAt: '' }),
    } as unknown as RouteContext;
    expect((await route.handle(ctx)).status).toBe(201);
    expect(counted).toEqual(['AuditWriteFailures']);
    expect(auditLog.buffered).toEqual([
      expect.objectContaining({ action: 'envvar.created', target: { type: 'project', id: 'gh/a/b' }, metadata: { status: 201, name: 'X' } }),
    ]);
    expect(JSON.stringify(auditLog.buffered)).not.toContain('the-secret');
  });

  it('records reads that hand out secret values, and no other reads', async () => {
    const auditLog = new UnwritableAuditLog();
    const deps = { auditLog, clock: { now: () => new Date('2026-05-01T00:00:00Z') }, metrics: { record: () => undefined } } as unknown as ControlPlaneDeps;
    const call = async (path: string, query: Record<string, string>) => {
      const route = audited({ method: 'GET', path, handle: async (c) => json(200, { caller: (await c.user()).id }) });
      const ctx = {
        deps,
        req: { method: 'GET', path, params: { slug: 'gh/a/b', number: '7' }, query, headers: {}, rawBody: '', body: undefined },
        user: async () => ({ id: 'u1', login: 'admin', roles: {}, admin: true, createdAt: '' }),
      };
      await route.handle(ctx as unknown as RouteContext);
    };
    await call('/api/v2/project/:slug/job/:number/replay', {});
    await call('/api/v2/project/:slug/job/:number', {});
    expect(auditLog.buffered).toEqual([]);
    await call('/api/v2/project/:slug/secrets', { contexts: 'deploy' });
    await call('/api/v2/project/:slug/job/:number/replay', { 'with-secrets': 'true' });
    expect(auditLog.buffered.map((e) => [e.action, e.target, e.actor])).toEqual([
      ['secrets.exported', { type: 'project', id: 'gh/a/b' }, expect.objectContaining({ id: 'u1' })],
      ['secrets.exported', { type: 'project', id: 'gh/a/b' }, expect.objectContaining({ id: 'u1' })],
    ]);
  });
});
