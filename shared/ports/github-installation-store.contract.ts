import type { GitHubInstallationStore } from './github-installation-store';

export function defineGitHubInstallationStoreContract(name: string, factory: () => Promise<GitHubInstallationStore>): void {
  describe(`GitHubInstallationStore contract: ${name}`, () => {
    let store: GitHubInstallationStore;
    const id = () => Math.floor(Math.random() * 1e9);
    beforeAll(async () => {
      store = await factory();
    });

    it('finds the installation of a repository case-insensitively after a set', async () => {
      const inst = id();
      await store.setRepositories(inst, 'Acme', ['Acme/One', 'acme/two']);
      expect(await store.findInstallation('acme/one')).toBe(inst);
      expect(await store.findInstallation('ACME/TWO')).toBe(inst);
      expect(await store.findInstallation('acme/three')).toBeUndefined();
      expect(await store.listRepositories(inst)).toEqual(['acme/one', 'acme/two']);
    });

    it('replaces the list on set and applies adds and removes idempotently', async () => {
      const inst = id();
      await store.setRepositories(inst, 'o', ['o/a', 'o/b']);
      await store.setRepositories(inst, 'o', ['o/b', 'o/c']);
      expect(await store.listRepositories(inst)).toEqual(['o/b', 'o/c']);
      expect(await store.findInstallation('o/a')).toBeUndefined();
      await store.addRepositories(inst, 'o', ['o/d', 'o/d']);
      await store.removeRepositories(inst, ['o/b', 'o/zzz']);
      await store.removeRepositories(inst, ['o/b']);
      expect(await store.listRepositories(inst)).toEqual(['o/c', 'o/d']);
    });

    it('forgets every repository of a deleted installation, twice without error', async () => {
      const inst = id();
      await store.setRepositories(inst, 'z', ['z/a']);
      await store.deleteInstallation(inst);
      await store.deleteInstallation(inst);
      expect(await store.findInstallation('z/a')).toBeUndefined();
      expect(await store.listRepositories(inst)).toEqual([]);
    });

    it('does not let a removal by another installation drop a repository that moved', async () => {
      const [a, b] = [id(), id()];
      await store.setRepositories(a, 'm', ['m/r']);
      await store.setRepositories(b, 'm', ['m/r']);
      await store.removeRepositories(a, ['m/r']);
      expect(await store.findInstallation('m/r')).toBe(b);
    });
  });
}
