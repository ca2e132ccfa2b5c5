import type { Project } from '../../model/entities';
import { RefNotFoundError, VcsError } from '../../model/errors';
import type { RepositorySource, ResolvedCommit } from '../../ports/repository-source';
import { repositoryOf, type GitHubApp } from './github-app';
import { withGitHubRetries } from './github-retry';

const isLocal = (url: string) => /^file:/i.test(url) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);

/**
 * Reads `gh/<org>/<repo>` projects through the GitHub contents and commits APIs as the App's installation,
 * and lets agents check out over HTTPS with a short-lived installation token. Projects registered with a
 * local repository (file:// URL or path) are read by `local` instead.
 */
export class GitHubRepositorySource implements RepositorySource {
  constructor(
    private readonly app: GitHubApp,
    private readonly local: RepositorySource,
  ) {}

  async resolve(project: Project, ref: { branch?: string; tag?: string; revision?: string }): Promise<ResolvedCommit> {
    if (isLocal(project.repoUrl)) return this.local.resolve(project, ref);
    const { owner, repo, fullName } = repositoryOf(project);
    const { client } = await this.app.clientFor(fullName);
    const name = ref.revision ?? ref.tag ?? ref.branch ?? project.defaultBranch;
    try {
      const { data } = await withGitHubRetries('commit lookup', () => client.rest.repos.getCommit({ owner, repo, ref: name, per_page: 1 }));
      const [subject, ...rest] = data.commit.message.split('\n');
      return {
        revision: data.sha,
        subject,
        body: rest.join('\n').trim(),
        authorName: data.commit.author?.name ?? undefined,
        committerEmail: data.commit.committer?.email ?? undefined,
      };
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status === 404 || status === 422) {
        const kind = ref.revision ? 'Revision' : ref.tag ? 'Tag' : 'Branch';
        throw new RefNotFoundError(kind, `${kind} ${name} not found in GitHub repository ${fullName}.`, { ref, repository: fullName }, { cause: e });
      }
      throw e instanceof VcsError
        ? e
        : new VcsError(`Could not read ${name} of ${fullName} from GitHub: ${(e as Error).message}`, { repository: fullName }, { cause: e });
    }
  }

  async readFile(project: Project, revision: string, path: string): Promise<string | undefined> {
    if (isLocal(project.repoUrl)) return this.local.readFile(project, revision, path);
    const { owner, repo, fullName } = repositoryOf(project);
    const { client } = await this.app.clientFor(fullName);
    try {
      const { data } = await withGitHubRetries('contents read', () =>
        client.rest.repos.getContent({ owner, repo, path, ref: revision, mediaType: { format: 'raw' } }),
      );
      // A folder answers with its listing (a JSON array), not a file.
      if (Array.isArray(data)) return undefined;
      return typeof data === 'string' ? data : Buffer.from(data as unknown as ArrayBuffer).toString('utf8');
    } catch (e) {
      if ((e as { status?: number }).status === 404) return undefined;
      throw e instanceof VcsError
        ? e
        : new VcsError(`Could not read ${path} at ${revision} of ${fullName}: ${(e as Error).message}`, { path, revision }, { cause: e });
    }
  }

  async listFiles(project: Project, revision: string, dir: string): Promise<string[] | undefined> {
    if (isLocal(project.repoUrl)) return this.local.listFiles?.(project, revision, dir);
    const { owner, repo, fullName } = repositoryOf(project);
    const { client } = await this.app.clientFor(fullName);
    const prefix = `${dir.replace(/\/+$/, '')}/`;
    const { data } = await withGitHubRetries('tree read', () => client.rest.git.getTree({ owner, repo, tree_sha: revision, recursive: 'true' })).catch(
      (e: unknown) => {
        throw new VcsError(`Could not list ${dir} at ${revision} of ${fullName}: ${(e as Error).message}`, { path: dir, revision }, { cause: e });
      },
    );
    if (data.truncated) {
      throw new VcsError(`The file tree of ${fullName} at ${revision} is too large for GitHub to list in one request; keep the config in one file.`, {
        path: dir,
        revision,
      });
    }
    const files = data.tree.filter((t) => t.type === 'blob' && t.path?.startsWith(prefix)).map((t) => (t.path as string).slice(prefix.length));
    return files.length ? files : undefined;
  }

  async checkoutAccess(project: Project): Promise<{ url: string; username?: string; password?: string }> {
    if (isLocal(project.repoUrl)) return this.local.checkoutAccess(project);
    const { fullName } = repositoryOf(project);
    const { token } = await this.app.clientFor(fullName);
    const url = /^https?:\/\//i.test(project.repoUrl) ? project.repoUrl : `${this.app.webUrl}/${fullName}.git`;
    return { url, username: 'x-access-token', password: token };
  }
}
