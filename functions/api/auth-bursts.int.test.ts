import { DynamoDedupeStore } from '../../shared/adapters/aws/dynamo-dedupe-store';
import { UnauthorizedError } from '../../shared/model/errors';
import type { AuditEvent, AuditLog } from '../../shared/ports/audit-log';
import { AUTH_FAILURE_BURST_THRESHOLD, AUTH_FAILURE_BURST_WINDOW_SECONDS } from '../../shared/services/identity/auth-bursts';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import { createTestResources } from '../../test/support/aws';
import { audited } from './audit';
import type { RouteContext } from './http';

/** Keeps flushed events in memory (the S3 adapter has its own contract suite). */
class MemoryAuditLog implements AuditLog {
  private buffered: AuditEvent[] = [];
  readonly events: AuditEvent[] = [];
  record(e: AuditEvent) {
    this.buffered.push(e);
  }
  async flush() {
    this.events.push(...this.buffered.splice(0));
  }
  async list() {
    return this.events;
  }
}

describe('failed authentication bursts (audited routes, counters in DynamoDB)', () => {
  let dedupe: DynamoDedupeStore;
  beforeAll(async () => {
    dedupe = new DynamoDedupeStore((await createTestResources({ queues: false })).table);
  });

  function setup(start: string) {
    const auditLog = new MemoryAuditLog();
    let now = new Date(start).getTime();
    const deps = { auditLog, dedupe, clock: { now: () => new Date(now) } } as unknown as ControlPlaneDeps;
    const route = audited({
      method: 'GET',
      path: '/api/v2/me',
      handle: async (ctx) => {
        await ctx.user();
        throw new UnauthorizedError('Invalid token provided.');
      },
    });
    const fail = (ip: string, token: string) =>
      route
        .handle({
          deps,
          req: {
            method: 'GET',
            path: '/api/v2/me',
            params: {},
            query: {},
            headers: { 'circle-token': token },
            rawBody: '',
            body: undefined,
            source: { ip, requestId: 'r', userAgent: 'curl' },
          },
          user: async () => {
            throw new UnauthorizedError('Invalid token provided.');
          },
        } as unknown as RouteContext)
        .catch((e: unknown) => e);
    const bursts = () => auditLog.events.filter((e) => e.action === 'auth.failure_burst');
    return { auditLog, fail, bursts, advance: (ms: number) => (now += ms) };
  }

  it('records one burst per source when one IP fails the threshold within a window, keeping each failure event', async () => {
    const t = setup('2026-05-01T10:00:05Z');
    for (let i = 0; i < AUTH_FAILURE_BURST_THRESHOLD - 1; i++) {
      await t.fail('203.0.113.7', `guess-${i}`);
      t.advance(1000);
    }
    expect(t.bursts()).toHaveLength(0);
    await t.fail('203.0.113.7', 'guess-last');
    for (let i = 0; i < 5; i++) await t.fail('203.0.113.7', `guess-more-${i}`);
    expect(t.bursts()).toEqual([
      expect.objectContaining({
        actor: { id: null, login: null, type: 'anonymous' },
        outcome: 'failure',
        request: { id: 'r', ip: '203.0.113.7', user_agent: 'curl' },
        metadata: {
          source: 'ip',
          count: AUTH_FAILURE_BURST_THRESHOLD,
          window_seconds: AUTH_FAILURE_BURST_WINDOW_SECONDS,
          window_start: '2026-05-01T10:00:00.000Z',
        },
      }),
    ]);
    expect(t.auditLog.events.filter((e) => e.action === 'authentication.failed')).toHaveLength(AUTH_FAILURE_BURST_THRESHOLD + 5);
    expect(JSON.stringify(t.auditLog.events)).not.toContain('guess-');
  });

  it('records a burst for one token tried from many IPs, naming a tag of the token, never the token', async () => {
    const t = setup('2026-05-01T11:00:00Z');
    for (let i = 0; i < AUTH_FAILURE_BURST_THRESHOLD; i++) await t.fail(`198.51.100.${i}`, 'stolen-token-value');
    const [burst] = t.bursts();
    expect(t.bursts()).toHaveLength(1);
    expect(burst.metadata).toMatchObject({ source: 'token', token_tag: expect.stringMatching(/^[0-9a-f]{12}$/), count: AUTH_FAILURE_BURST_THRESHOLD });
    expect(JSON.stringify(t.auditLog.events)).not.toContain('stolen-token-value');
  });

  it('records no burst when the failures spread over windows, and one again in a later window', async () => {
    const t = setup('2026-05-01T12:00:00Z');
    const half = AUTH_FAILURE_BURST_THRESHOLD / 2;
    for (let i = 0; i < half; i++) await t.fail('192.0.2.1', `a-${i}`);
    t.advance(AUTH_FAILURE_BURST_WINDOW_SECONDS * 1000);
    for (let i = 0; i < half; i++) await t.fail('192.0.2.1', `b-${i}`);
    expect(t.bursts()).toHaveLength(0);
    t.advance(AUTH_FAILURE_BURST_WINDOW_SECONDS * 1000);
    for (let i = 0; i < AUTH_FAILURE_BURST_THRESHOLD; i++) await t.fail('192.0.2.1', `c-${i}`);
    expect(t.bursts().map((e) => e.metadata.window_start)).toEqual(['2026-05-01T12:02:00.000Z']);
  });
});
