import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface TestRepo {
  dir: string;
  url: string;
  /** Writes files and commits them; resolves the new commit sha. */
  commit(files: Record<string, string>, message?: string, branch?: string): string;
  git(...args: string[]): string;
}

/** A git repository on disk (branch `main`) to register as a project in end-to-end tests. */
export function createTestRepo(files: Record<string, string> = {}): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch=main');
  const repo: TestRepo = {
    dir,
    url: pathToFileURL(dir).href,
    git,
    commit(contents, message = 'commit', branch) {
      if (branch) git('checkout', '--quiet', '-B', branch);
      for (const [path, text] of Object.entries(contents)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      git('add', '-A');
      git('commit', '--quiet', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
  if (Object.keys(files).length) repo.commit(files, 'initial');
  return repo;
}
