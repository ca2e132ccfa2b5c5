import type { Project } from '../../model/entities';
import type { CommitStatus, CommitStatusNotifier } from '../../ports/commit-status-notifier';
import { repositoryOf, type GitHubApp } from './github-app';
import { withGitHubRetries, type RetryOptions } from './github-retry';

/** Commit statuses through the GitHub App's installation (`POST /repos/{owner}/{repo}/statuses/{sha}`). */
export class GitHubCommitStatusNotifier implements CommitStatusNotifier {
  constructor(
    private readonly app: GitHubApp,
    private readonly retry: RetryOptions = {},
  ) {}

  async post(project: Project, status: CommitStatus): Promise<void> {
    const { owner, repo, fullName } = repositoryOf(project);
    const { client } = await this.app.clientFor(fullName);
    await withGitHubRetries(
      `status ${status.context} for ${fullName}@${status.revision.slice(0, 12)}`,
      () =>
        client.rest.repos.createCommitStatus({
          owner,
          repo,
          sha: status.revision,
          state: status.state,
          context: status.context,
          description: status.description.slice(0, 140),
          target_url: status.targetUrl,
        }),
      this.retry,
    );
  }
}
