import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import type { Project } from '../../model/entities';
import { VcsError } from '../../model/errors';
import type { Clock } from '../../ports/clock';
import type { GitHubInstallationStore } from '../../ports/github-installation-store';
import { withGitHubRetries } from './github-retry';

export interface GitHubAppConfig {
  appId: string | number;
  /** PEM (PKCS#1 or PKCS#8). */
  privateKey: string;
  /** REST API base: `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server. */
  apiUrl?: string;
  /** Installation tokens are renewed this long before they expire (default 5 minutes). */
  refreshMarginSeconds?: number;
}

/** Octokit logs every failed request; the callers report failures themselves, with context. */
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: () => undefined,
};

interface CachedToken {
  token: string;
  expiresAt: number;
  client: Octokit;
}

/** `owner/name` of a `gh/<org>/<repo>` project. */
export function repositoryOf(project: Project): { owner: string; repo: string; fullName: string } {
  const [, owner, repo] = project.slug.split('/');
  return { owner, repo, fullName: `${owner}/${repo}` };
}

/**
 * A GitHub App: signs JWTs with its private key, finds the installation that reaches a repository (the
 * installation store first, then the API), and exchanges JWTs for installation access tokens, cached per
 * installation until `refreshMarginSeconds` before they expire (concurrent callers share one exchange).
 */
export class GitHubApp {
  readonly apiUrl: string;
  private readonly appClient: Octokit;
  private readonly tokens = new Map<number, Promise<CachedToken>>();

  constructor(
    private readonly config: GitHubAppConfig,
    private readonly installations: GitHubInstallationStore,
    private readonly clock: Clock,
  ) {
    this.apiUrl = (config.apiUrl ?? 'https://api.github.com').replace(/\/$/, '');
    this.appClient = new Octokit({
      baseUrl: this.apiUrl,
      log: quiet,
      authStrategy: createAppAuth,
      auth: { appId: config.appId, privateKey: config.privateKey },
    });
  }

  /** The web host that serves clones: github.com for the public API, the GHES host otherwise. */
  get webUrl(): string {
    return this.apiUrl === 'https://api.github.com' ? 'https://github.com' : this.apiUrl.replace(/\/api\/v3$/, '');
  }

  async installationFor(fullName: string): Promise<number> {
    const known = await this.installations.findInstallation(fullName);
    if (known !== undefined) return known;
    const [owner, repo] = fullName.split('/');
    try {
      const { data } = await withGitHubRetries('installation lookup', () => this.appClient.rest.apps.getRepoInstallation({ owner, repo }));
      await this.installations.addRepositories(data.id, owner, [fullName]);
      return data.id;
    } catch (e) {
      if ((e as { status?: number }).status === 404) {
        throw new VcsError(
          `The GitHub App is not installed on ${fullName}. Install it on the repository (or its organisation) and retry.`,
          { repository: fullName },
          { cause: e },
        );
      }
      throw e;
    }
  }

  /** An API client authenticated as the installation that reaches `fullName`, and its token. */
  async clientFor(fullName: string): Promise<{ client: Octokit; token: string }> {
    const installationId = await this.installationFor(fullName);
    const marginMs = (this.config.refreshMarginSeconds ?? 300) * 1000;
    let cached = this.tokens.get(installationId);
    const fresh = cached && (await cached.then((t) => t.expiresAt - marginMs > this.clock.now().getTime()).catch(() => false));
    if (!fresh) {
      cached = this.exchange(installationId);
      this.tokens.set(installationId, cached);
      cached.catch(() => this.tokens.delete(installationId));
    }
    const { client, token } = await cached!;
    return { client, token };
  }

  private async exchange(installationId: number): Promise<CachedToken> {
    const auth = (await withGitHubRetries('installation token', () => this.appClient.auth({ type: 'installation', installationId, refresh: true }))) as {
      token: string;
      expiresAt: string;
    };
    return {
      token: auth.token,
      expiresAt: Date.parse(auth.expiresAt),
      client: new Octokit({ baseUrl: this.apiUrl, log: quiet, auth: auth.token }),
    };
  }
}
