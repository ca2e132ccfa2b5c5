import { randomUUID } from 'node:crypto';
import type { Webhook, WebhookEvent, WebhookStore } from './webhook-store';

export function defineWebhookStoreContract(name: string, factory: () => Promise<WebhookStore>): void {
  describe(`WebhookStore contract: ${name}`, () => {
    let store: WebhookStore;
    beforeAll(async () => {
      store = await factory();
    });
    const hook = (over: Partial<Webhook> = {}): Webhook => ({
      id: randomUUID(),
      projectId: randomUUID(),
      projectSlug: 'gh/acme/app',
      name: 'hook',
      url: 'https://example.com/hook',
      verifyTls: true,
      events: ['job-completed'],
      encryptedSecret: 'cipher',
      secretHint: 'abcd',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      ...over,
    });
    const T0 = '2026-01-01T00:01:00.000Z';
    const T1 = '2026-01-01T00:02:00.000Z';
    const event = (webhookId: string): WebhookEvent => ({
      id: randomUUID(),
      webhookId,
      type: 'job-completed',
      body: '{}',
      status: 'pending',
      attempts: 0,
      createdAt: '2026-01-01T00:00:00.000Z',
    });

    it('stores, replaces, lists per project oldest first and deletes webhooks', async () => {
      const a = hook();
      const b = hook({ projectId: a.projectId, createdAt: '2026-01-02T00:00:00.000Z' });
      await store.put(b);
      await store.put(a);
      await store.put({ ...a, name: 'renamed' });
      expect(await store.get(a.id)).toEqual({ ...a, name: 'renamed' });
      expect((await store.listByProject(a.projectId)).map((w) => w.id)).toEqual([a.id, b.id]);
      expect(await store.delete(a.id)).toBe(true);
      expect(await store.delete(a.id)).toBe(false);
      expect(await store.get(a.id)).toBeUndefined();
      expect(await store.listByProject(randomUUID())).toEqual([]);
    });

    it('creates an event once and hands back the stored one on a second create', async () => {
      const e = event(randomUUID());
      expect(await store.createEvent(e)).toEqual({ created: true, event: e });
      expect(await store.createEvent({ ...e, body: '{"other":1}' })).toEqual({ created: false, event: e });
    });

    it('lets exactly one of concurrent consumers start an attempt, and none once the event is finished', async () => {
      const e = event(randomUUID());
      await store.createEvent(e);
      const start = (n: number, at = T1) => store.startAttempt(e.id, n, at, T0);
      const starts = await Promise.all([start(1), start(1), start(1)]);
      expect(starts.filter(Boolean)).toHaveLength(1);
      expect(await start(3)).toBeUndefined();
      expect((await start(2))?.attempts).toBe(2);
      await store.finishEvent(e.id, 'delivered');
      expect(await start(3)).toBeUndefined();
      expect((await store.getEvent(e.id))?.status).toBe('delivered');
    });

    it('lets an attempt whose consumer died (started before staleBefore) start again, once', async () => {
      const e = event(randomUUID());
      await store.createEvent(e);
      expect(await store.startAttempt(e.id, 1, '2026-01-01T00:00:00.000Z', T0)).toBeDefined();
      const again = await Promise.all([store.startAttempt(e.id, 1, T1, T0), store.startAttempt(e.id, 1, T1, T0)]);
      expect(again.filter(Boolean)).toHaveLength(1);
      expect(await store.startAttempt(e.id, 1, T1, T0)).toBeUndefined();
    });

    it('keeps the delivery log per webhook, newest first, up to a limit', async () => {
      const id = randomUUID();
      for (let i = 1; i <= 3; i++) {
        await store.recordAttempt({
          webhookId: id,
          eventId: 'e',
          eventType: 'job-completed',
          attempt: i,
          at: `2026-01-01T00:00:0${i}.000Z`,
          status: 500,
          latencyMs: 3,
          willRetry: i < 3,
        });
      }
      expect((await store.listAttempts(id)).map((a) => a.attempt)).toEqual([3, 2, 1]);
      expect((await store.listAttempts(id, 2)).map((a) => a.attempt)).toEqual([3, 2]);
      expect(await store.listAttempts(randomUUID())).toEqual([]);
    });
  });
}
