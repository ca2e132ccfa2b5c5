import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../commands/event-options';

/** The working tree as one commit, published in a bare repository the local runtime checks out from. */
export interface WorkingTreeSnapshot {
  /** Top folder of the working tree. */
  root: string;
  /** A project-slug-safe name of the repository (its folder name). */
  name: string;
  /** HEAD (undefined in a repository without commits). */
  head?: string;
  /** The commit that runs: HEAD when the tree is clean, else a commit of the working tree on top of HEAD. */
  revision: string;
  /** Whether the working tree differs from HEAD (uncommitted or untracked files). */
  dirty: boolean;
  /** `file://` URL of the bare repository holding `revision` under the run's branch or tag. */
  url: string;
}

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr || (e as Error).message}`, { cause: e });
  }
}

const tryGit = (cwd: string, args: string[]): string | undefined => {
  try {
    return git(cwd, args);
  } catch {
    return undefined;
  }
};

/** Committer identity for the snapshot commit when the repository has none configured. */
function identityEnv(root: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (!tryGit(root, ['config', 'user.name'])) Object.assign(env, { GIT_AUTHOR_NAME: 'slipway run', GIT_COMMITTER_NAME: 'slipway run' });
  if (!tryGit(root, ['config', 'user.email'])) Object.assign(env, { GIT_AUTHOR_EMAIL: 'slipway-run@localhost', GIT_COMMITTER_EMAIL: 'slipway-run@localhost' });
  return env;
}

/**
 * Snapshots the working tree of `dir`, uncommitted and untracked (not ignored) files included, without touching
 * the user's index, branches or files: a temporary index writes the tree, `commit-tree` makes a commit on top of
 * HEAD. The commit is published under `refs/heads/<branch>` (or `refs/tags/<tag>`) of a bare repository in
 * `dataDir` that borrows the working tree's objects (git alternates), so nothing is copied.
 */
export function snapshotWorkingTree(dir: string, dataDir: string, ref: { branch?: string; tag?: string }): WorkingTreeSnapshot {
  const root = tryGit(dir, ['rev-parse', '--show-toplevel']);
  if (!root) throw new UsageError(`${dir} is not in a git working tree. Run \`slipway run\` inside your repository (\`git init\` first for a new one).`);
  const head = tryGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  const objects = git(root, ['rev-parse', '--path-format=absolute', '--git-path', 'objects']);
  const scratch = mkdtempSync(join(tmpdir(), 'slipway-index-'));
  let tree: string;
  try {
    const index = join(scratch, 'index');
    const realIndex = git(root, ['rev-parse', '--path-format=absolute', '--git-path', 'index']);
    if (existsSync(realIndex)) copyFileSync(realIndex, index);
    const env = { ...process.env, GIT_INDEX_FILE: index };
    git(root, ['add', '--all', '--', '.'], env);
    tree = git(root, ['write-tree'], env);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const dirty = !head || tree !== git(root, ['rev-parse', `${head}^{tree}`]);
  const revision = dirty
    ? git(
        root,
        ['commit-tree', tree, ...(head ? ['-p', head] : []), '-m', `slipway run: working tree${head ? ` on ${head.slice(0, 12)}` : ''}`],
        identityEnv(root),
      )
    : (head as string);
  const bare = join(dataDir, 'repositories', `${basename(root)}.git`);
  if (!existsSync(join(bare, 'HEAD'))) {
    mkdirSync(bare, { recursive: true });
    git(bare, ['init', '--bare', '--quiet']);
  }
  mkdirSync(join(bare, 'objects', 'info'), { recursive: true });
  writeFileSync(join(bare, 'objects', 'info', 'alternates'), `${objects}\n`);
  const refName = ref.tag ? `refs/tags/${ref.tag}` : `refs/heads/${ref.branch ?? 'main'}`;
  git(bare, ['update-ref', refName, revision]);
  if (!ref.tag) git(bare, ['symbolic-ref', 'HEAD', refName]);
  const name = basename(root).replace(/[^A-Za-z0-9._-]/g, '-') || 'project';
  return { root, name, head, revision, dirty, url: pathToFileURL(bare).href };
}
