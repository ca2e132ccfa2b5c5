import { randomUUID } from 'node:crypto';
import type { NotificationPreferenceStore } from './notification-preferences';

export function defineNotificationPreferencesContract(name: string, factory: () => Promise<NotificationPreferenceStore>): void {
  describe(`NotificationPreferenceStore contract: ${name}`, () => {
    let store: NotificationPreferenceStore;
    beforeAll(async () => {
      store = await factory();
    });

    it('keeps user preferences and finds a user by email, case-insensitively, the latest owner winning', async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      const email = `${randomUUID()}@example.com`;
      expect(await store.getUser(a)).toBeUndefined();
      await store.putUser({ userId: a, email, emailNotifications: 'all' });
      expect(await store.getUser(a)).toEqual({ userId: a, email, emailNotifications: 'all' });
      expect(await store.findUserIdByEmail(email.toUpperCase())).toBe(a);
      await store.putUser({ userId: b, email, emailNotifications: 'none' });
      expect(await store.findUserIdByEmail(email)).toBe(b);
      await store.putUser({ userId: b, email: `${randomUUID()}@example.com`, emailNotifications: 'none' });
      expect(await store.findUserIdByEmail(email)).toBeUndefined();
    });

    it('keeps project preferences', async () => {
      const slug = `gh/acme/${randomUUID()}`;
      expect(await store.getProject(slug)).toBeUndefined();
      await store.putProject(slug, { emailNotifications: 'none' });
      expect(await store.getProject(slug)).toEqual({ emailNotifications: 'none' });
    });

    it('records branch outcomes with the previous status, idempotently, ignoring older workflows', async () => {
      const key = { projectSlug: `gh/acme/${randomUUID()}`, branch: 'main', workflowName: 'build' };
      const first = { workflowId: 'w1', status: 'failed', createdAt: '2026-01-01T00:00:01.000Z' };
      const second = { workflowId: 'w2', status: 'success', createdAt: '2026-01-01T00:00:02.000Z' };
      expect(await store.recordOutcome(key, first)).toEqual({ ...first, previousStatus: undefined });
      expect(await store.recordOutcome(key, second)).toEqual({ ...second, previousStatus: 'failed' });
      expect(await store.recordOutcome(key, second)).toEqual({ ...second, previousStatus: 'failed' });
      expect(await store.recordOutcome(key, { workflowId: 'w0', status: 'success', createdAt: '2026-01-01T00:00:00.000Z' })).toBeUndefined();
      expect(await store.recordOutcome({ ...key, branch: 'other' }, second)).toEqual({ ...second, previousStatus: undefined });
    });
  });
}
