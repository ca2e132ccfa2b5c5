import type { Project } from '../model/entities';

export interface ResolvedCommit {
  revision: string;
  subject: string;
  body: string;
  authorName?: string;
  /** The committer's email (email notifications reach the user who has it). */
  committerEmail?: string;
}

/**
 * Reads a project's repository: resolve a branch/tag/revision to a commit and read a file at that commit.
 *
 * Semantics: read-only and safe to call concurrently; `resolve` throws `VcsError` (with the VCS's own message)
 * when the repository cannot be reached or the ref does not exist; `readFile` resolves `undefined` for a file
 * that does not exist at that commit.
 */
export interface RepositorySource {
  resolve(project: Project, ref: { branch?: string; tag?: string; revision?: string }): Promise<ResolvedCommit>;
  readFile(project: Project, revision: string, path: string): Promise<string | undefined>;
  /**
   * Paths of every file under the folder `dir` at that commit, recursively, relative to `dir` and `/`-separated;
   * `undefined` when there is no such folder. Needed only for projects whose config is a folder to pack.
   */
  listFiles?(project: Project, revision: string, dir: string): Promise<string[] | undefined>;
  /** Credentials and URL the agent uses to check out (e.g. a short-lived installation token). */
  checkoutAccess(project: Project): Promise<{ url: string; username?: string; password?: string }>;
}
