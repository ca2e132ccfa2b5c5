import { randomUUID } from 'node:crypto';
import type { Project } from '../model/entities';
import type { ProjectStore } from './project-store';

export function aProject(overrides: Partial<Project> = {}): Project {
  const org = `org${randomUUID().slice(0, 6)}`;
  return {
    id: randomUUID(),
    slug: `gh/${org}/demo`,
    name: 'demo',
    organizationName: org,
    organizationSlug: `gh/${org}`,
    organizationId: randomUUID(),
    repoUrl: 'file:///tmp/demo',
    defaultBranch: 'main',
    settings: { buildPrsOnly: false, buildForkPrs: false, forksReceiveSecrets: false, autoCancelBuilds: false },
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

export function defineProjectStoreContract(name: string, factory: () => Promise<ProjectStore>): void {
  describe(`ProjectStore contract: ${name}`, () => {
    let store: ProjectStore;
    beforeAll(async () => {
      store = await factory();
    });

    it('creates a project once per slug', async () => {
      const p = aProject();
      expect(await store.createProject(p)).toBe(true);
      expect(await store.createProject({ ...p, name: 'other' })).toBe(false);
      expect((await store.getProject(p.slug))?.name).toBe('demo');
      expect((await store.listProjects()).some((x) => x.slug === p.slug)).toBe(true);
      expect(await store.getProject('gh/nobody/none')).toBeUndefined();
    });

    it('hands out distinct numbers to concurrent callers', async () => {
      const p = aProject();
      await store.createProject(p);
      const numbers = await Promise.all(Array.from({ length: 20 }, () => store.nextNumber(p.slug, 'job')));
      expect(new Set(numbers).size).toBe(20);
      expect(Math.max(...numbers)).toBe(20);
      expect(await store.nextNumber(p.slug, 'pipeline')).toBe(1);
    });

    it('hands out blocks of numbers that never overlap, in one write each', async () => {
      const p = aProject();
      await store.createProject(p);
      const firsts = await Promise.all([5, 1, 3, 2].map((count) => store.nextNumber(p.slug, 'job', count).then((first) => ({ first, count }))));
      const taken = firsts.flatMap(({ first, count }) => Array.from({ length: count }, (_, i) => first + i));
      expect(taken.sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
      expect(await store.nextNumber(p.slug, 'job')).toBe(12);
    });

    it('stores, overwrites and deletes env vars', async () => {
      const p = aProject();
      await store.createProject(p);
      await store.putEnvVar(p.slug, { name: 'A', encryptedValue: 'x', createdAt: 'now' });
      await store.putEnvVar(p.slug, { name: 'A', encryptedValue: 'y', createdAt: 'now' });
      await store.putEnvVar(p.slug, { name: 'B', encryptedValue: 'z', createdAt: 'now' });
      expect((await store.listEnvVars(p.slug)).map((e) => [e.name, e.encryptedValue])).toEqual([
        ['A', 'y'],
        ['B', 'z'],
      ]);
      expect(await store.deleteEnvVar(p.slug, 'A')).toBe(true);
      expect(await store.deleteEnvVar(p.slug, 'A')).toBe(false);
    });

    it('updates settings of an existing project only', async () => {
      const p = aProject();
      await store.createProject(p);
      const s = { ...p.settings, buildForkPrs: true };
      expect((await store.updateSettings(p.slug, s))?.settings.buildForkPrs).toBe(true);
      expect(await store.updateSettings('gh/nobody/none', s)).toBeUndefined();
    });
  });
}
