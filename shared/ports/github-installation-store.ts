/**
 * Which GitHub App installation reaches which repository (`owner/name`, compared case-insensitively), kept
 * current by `installation` and `installation_repositories` webhooks.
 *
 * Semantics: every write is idempotent (adding a repository twice, removing one that is absent, deleting an
 * unknown installation change nothing) and safe to retry; `setRepositories` replaces the installation's
 * list. When two installations claim one repository, the latest write wins. `findInstallation` is strongly
 * consistent; `listRepositories` may lag writes briefly (it reads an index).
 */
export interface GitHubInstallationStore {
  setRepositories(installationId: number, account: string, repositories: string[]): Promise<void>;
  addRepositories(installationId: number, account: string, repositories: string[]): Promise<void>;
  removeRepositories(installationId: number, repositories: string[]): Promise<void>;
  deleteInstallation(installationId: number): Promise<void>;
  /** The installation that reaches `owner/name`, or `undefined`. */
  findInstallation(repository: string): Promise<number | undefined>;
  /** The repositories an installation reaches, sorted, lower-cased. */
  listRepositories(installationId: number): Promise<string[]>;
}
