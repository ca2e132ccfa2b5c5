import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../../model/entities';
import { RefNotFoundError, VcsError } from '../../model/errors';
import type { RepositorySource, ResolvedCommit } from '../../ports/repository-source';

export { localRepositoryPath } from '../../model/repository-url';

function git(args: string[], cwd?: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (err, stdout, stderr) => {
        if (err) reject(Object.assign(err, { stderr: String(stderr).trim() }));
        else resolve(stdout);
      },
    );
  });
}

/** Commits resolved by this process, by mirror and commit id (a commit never changes), at most this many. */
const KNOWN_COMMITS = 512;
const FULL_ID = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Reads repositories with the git CLI through a bare mirror per URL under `cacheDir` (local mode, and any
 * git URL the machine can reach: file://, local paths, https). Fetches are serialised per mirror. A commit
 * named by its id is read from the mirror without fetching when the mirror has it (a pipeline resolves the
 * commit its trigger pinned a moment before); branches and tags are fetched first, as they move.
 */
export class GitCliRepositorySource implements RepositorySource {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly known = new Map<string, ResolvedCommit>();
  constructor(private readonly cacheDir: string) {}

  private mirrorOf(url: string): string {
    return join(this.cacheDir, `${createHash('sha1').update(url).digest('hex')}.git`);
  }

  private async sync(url: string): Promise<string> {
    const dir = this.mirrorOf(url);
    const previous = this.locks.get(dir) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        try {
          if (existsSync(join(dir, 'HEAD'))) await git(['remote', 'update', '--prune'], dir);
          else {
            mkdirSync(this.cacheDir, { recursive: true });
            await git(['clone', '--mirror', '--quiet', url, dir]);
          }
        } catch (e) {
          const msg = (e as { stderr?: string }).stderr || (e as Error).message;
          throw new VcsError(`Could not fetch ${url}: ${msg}`, { url }, { cause: e });
        }
      });
    this.locks.set(dir, run);
    await run;
    return dir;
  }

  /** The commit `spec` names in the mirror `dir` (one `git log`), or undefined when the mirror has none by that name. */
  private async commitAt(dir: string, spec: string): Promise<ResolvedCommit | undefined> {
    let out: string;
    try {
      out = await git(['log', '-1', '--format=%H%x00%s%x00%b%x00%an%x00%ce', '--end-of-options', `${spec}^{commit}`, '--'], dir);
    } catch {
      return undefined;
    }
    const [revision, subject, body, authorName, committerEmail] = out.split('\0');
    const commit: ResolvedCommit = {
      revision: revision.trim(),
      subject: subject ?? '',
      body: (body ?? '').trim(),
      authorName: (authorName ?? '').trim(),
      committerEmail: (committerEmail ?? '').trim() || undefined,
    };
    if (this.known.size >= KNOWN_COMMITS) this.known.delete(this.known.keys().next().value!);
    this.known.set(`${dir}\0${commit.revision}`, commit);
    return commit;
  }

  async resolve(project: Project, ref: { branch?: string; tag?: string; revision?: string }): Promise<ResolvedCommit> {
    const dir = this.mirrorOf(project.repoUrl);
    // Only a full commit id names the same commit everywhere; anything else may have moved since the last fetch.
    const pinned =
      ref.revision && FULL_ID.test(ref.revision) && existsSync(join(dir, 'HEAD'))
        ? (this.known.get(`${dir}\0${ref.revision}`) ?? (await this.commitAt(dir, ref.revision)))
        : undefined;
    if (pinned) return pinned;
    await this.sync(project.repoUrl);
    const spec = ref.revision ?? (ref.tag ? `refs/tags/${ref.tag}` : `refs/heads/${ref.branch ?? project.defaultBranch}`);
    const commit = await this.commitAt(dir, spec);
    if (commit) return commit;
    const kind = ref.revision ? 'Revision' : ref.tag ? 'Tag' : 'Branch';
    throw new RefNotFoundError(kind, `${kind} ${ref.revision ?? ref.tag ?? ref.branch ?? project.defaultBranch} not found in ${project.repoUrl}.`, { ref });
  }

  async readFile(project: Project, revision: string, path: string): Promise<string | undefined> {
    const dir = this.mirrorOf(project.repoUrl);
    try {
      // `cat-file blob`, not `show`: a folder is no file (show would print its listing).
      return await git(['cat-file', 'blob', `${revision}:${path}`], dir);
    } catch (e) {
      const msg = (e as { stderr?: string }).stderr ?? '';
      if (/does not exist|exists on disk, but not in|path .* does not exist|bad file/.test(msg)) return undefined;
      throw new VcsError(`Could not read ${path} at ${revision}: ${msg}`, { path, revision }, { cause: e });
    }
  }

  async listFiles(project: Project, revision: string, dir: string): Promise<string[] | undefined> {
    const folder = dir.replace(/\/+$/, '');
    let out: string;
    try {
      out = await git(['ls-tree', '-r', '-z', '--name-only', revision, '--', `${folder}/`], this.mirrorOf(project.repoUrl));
    } catch (e) {
      throw new VcsError(`Could not list ${folder} at ${revision}: ${(e as { stderr?: string }).stderr ?? ''}`, { path: folder, revision }, { cause: e });
    }
    const files = out
      .split('\0')
      .filter(Boolean)
      .map((p) => p.slice(folder.length + 1));
    return files.length ? files : undefined;
  }

  async checkoutAccess(project: Project): Promise<{ url: string }> {
    return { url: project.repoUrl };
  }
}
