import { randomUUID } from 'node:crypto';
import type { RunnerQueueEntry, RunnerStore } from './runner-store';

export function defineRunnerStoreContract(name: string, factory: () => Promise<RunnerStore>): void {
  describe(`RunnerStore contract: ${name}`, () => {
    let store: RunnerStore;
    beforeAll(async () => {
      store = await factory();
    });
    const ns = () => `ns${randomUUID().slice(0, 8)}`;

    it('creates a resource class once, finds it by name and id, lists it by namespace, and deletes it', async () => {
      const namespace = ns();
      const rc = { id: randomUUID(), name: `${namespace}/linux`, namespace, description: 'Linux', createdAt: '2026-01-01T00:00:00.000Z' };
      expect(await store.createResourceClass(rc)).toBe(true);
      expect(await store.createResourceClass({ ...rc, id: randomUUID(), description: 'other' })).toBe(false);
      expect(await store.getResourceClass(rc.name)).toEqual(rc);
      expect(await store.getResourceClassById(rc.id)).toEqual(rc);
      expect(await store.listResourceClasses(namespace)).toEqual([rc]);
      await store.deleteResourceClass(rc.name);
      await store.deleteResourceClass(rc.name);
      expect(await store.getResourceClass(rc.name)).toBeUndefined();
      expect(await store.listResourceClasses(namespace)).toEqual([]);
    });

    it('keeps tokens by hash and id, lists them by class, and deletes them', async () => {
      const rc = `${ns()}/gpu`;
      const token = { id: randomUUID(), resourceClass: rc, nickname: 'one', hash: randomUUID(), createdAt: '2026-01-01T00:00:00.000Z' };
      expect(await store.createToken(token)).toBe(true);
      expect(await store.createToken(token)).toBe(false);
      expect(await store.getTokenByHash(token.hash)).toEqual(token);
      expect(await store.getTokenById(token.id)).toEqual(token);
      expect(await store.listTokens(rc)).toEqual([token]);
      await store.deleteToken(token.id);
      await store.deleteToken(token.id);
      expect(await store.getTokenByHash(token.hash)).toBeUndefined();
      expect(await store.listTokens(rc)).toEqual([]);
    });

    it('queues tasks idempotently, oldest first, and lets exactly one of many concurrent claims win', async () => {
      const rc = `${ns()}/arm`;
      const entry = (jobId: string, queuedAt: string): RunnerQueueEntry => ({ resourceClass: rc, workflowId: 'w', jobId, taskIndex: 0, attempt: 0, queuedAt });
      const late = entry('job-b', '2026-01-01T00:00:02.000Z');
      const early = entry('job-a', '2026-01-01T00:00:01.000Z');
      expect(await store.enqueue(late)).toBe(true);
      expect(await store.enqueue(early)).toBe(true);
      expect(await store.enqueue({ ...early, queuedAt: '2026-01-01T00:00:09.000Z' })).toBe(false);
      expect((await store.listQueued(rc)).map((e) => e.jobId)).toEqual(['job-a', 'job-b']);
      const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim(early, `runner-${i}`, '2026-01-01T00:00:03.000Z')));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await store.listQueued(rc)).map((e) => e.jobId)).toEqual(['job-b']);
      await store.remove(late);
      await store.remove(late);
      expect(await store.listQueued(rc)).toEqual([]);
      expect(await store.claim(late, 'runner-x', '2026-01-01T00:00:04.000Z')).toBe(false);
    });

    it('remembers runners with their first and last time seen', async () => {
      const rc = `${ns()}/mac`;
      await store.touchRunner({ resourceClass: rc, name: 'host-1', version: '1', lastSeen: '2026-01-01T00:00:00.000Z' });
      await store.touchRunner({ resourceClass: rc, name: 'host-1', version: '2', lastSeen: '2026-01-01T00:01:00.000Z' });
      expect(await store.listRunners(rc)).toEqual([
        { resourceClass: rc, name: 'host-1', version: '2', firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:01:00.000Z' },
      ]);
    });
    it('keeps machine instances, lets each claim one task ever, and undoes only its own claim', async () => {
      const instanceId = `i-${randomUUID().slice(0, 12)}`;
      const instance = {
        instanceId,
        resourceClass: 'medium',
        groupName: 'g',
        credentialHash: 'h',
        issuedAt: '2026-01-01T00:00:00.000Z',
        credentialExpiresAt: '2026-01-09T00:00:00.000Z',
      };
      await store.putMachineInstance(instance);
      expect(await store.getMachineInstance(instanceId)).toEqual(instance);
      expect((await store.listMachineInstances()).filter((i) => i.instanceId === instanceId)).toEqual([instance]);
      const wins = await Promise.all(['a#0#0', 'b#0#0', 'c#0#0'].map((t) => store.claimMachineInstance(instanceId, t, '2026-01-01T00:01:00.000Z')));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const won = ['a#0#0', 'b#0#0', 'c#0#0'][wins.indexOf(true)];
      await store.releaseMachineClaim(instanceId, 'someone-else#0#0');
      expect((await store.getMachineInstance(instanceId))?.claimedTask).toBe(won);
      await store.releaseMachineClaim(instanceId, won);
      expect((await store.getMachineInstance(instanceId))?.claimedTask).toBeUndefined();
      expect(await store.claimMachineInstance(`i-unknown${randomUUID().slice(0, 4)}`, 'a#0#0', '2026-01-01T00:02:00.000Z')).toBe(false);
      await store.deleteMachineInstance(instanceId);
      await store.deleteMachineInstance(instanceId);
      expect(await store.getMachineInstance(instanceId)).toBeUndefined();
    });
  });
}
