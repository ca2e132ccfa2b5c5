import type { GitHubInstallationStore } from '../../ports/github-installation-store';
import type { DynamoTable } from '../aws/dynamo-table';

const repoKey = (repo: string) => ({ pk: `GHREPO#${repo.toLowerCase()}`, sk: 'META' });
const installPartition = (id: number) => `GHINSTALL#${id}`;

/** One item per reachable repository (`GHREPO#owner/name`), indexed by installation on gsi1. */
export class DynamoGitHubInstallationStore implements GitHubInstallationStore {
  constructor(private readonly table: DynamoTable) {}

  async setRepositories(installationId: number, account: string, repositories: string[]): Promise<void> {
    const keep = new Set(repositories.map((r) => r.toLowerCase()));
    const stale = (await this.listRepositories(installationId)).filter((r) => !keep.has(r));
    await this.removeRepositories(installationId, stale);
    await this.addRepositories(installationId, account, [...keep]);
  }

  async addRepositories(installationId: number, account: string, repositories: string[]): Promise<void> {
    const unique = [...new Set(repositories.map((r) => r.toLowerCase()))];
    await this.table.putMany(
      unique.map((repo) => ({
        ...repoKey(repo),
        gsi1pk: installPartition(installationId),
        gsi1sk: repo,
        entity: 'github-repo',
        repository: repo,
        installationId,
        account,
      })),
    );
  }

  async removeRepositories(installationId: number, repositories: string[]): Promise<void> {
    for (const repo of repositories) {
      const item = await this.table.get(repoKey(repo));
      if (item && item.installationId === installationId) await this.table.delete(repoKey(repo));
    }
  }

  async deleteInstallation(installationId: number): Promise<void> {
    await this.removeRepositories(installationId, await this.listRepositories(installationId));
  }

  async findInstallation(repository: string): Promise<number | undefined> {
    const item = await this.table.get(repoKey(repository));
    return typeof item?.installationId === 'number' ? item.installationId : undefined;
  }

  async listRepositories(installationId: number): Promise<string[]> {
    const items = await this.table.queryAll({ index: 'gsi1', partition: installPartition(installationId) });
    return items.map((i) => String(i.repository)).sort();
  }
}
