import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestRepo } from '../../test/support/git-repo';
import { snapshotWorkingTree } from './snapshot';

const show = (url: string, rev: string, path: string) => execFileSync('git', ['show', `${rev}:${path}`], { cwd: fileURLToPath(url), encoding: 'utf8' });

describe('snapshotWorkingTree', () => {
  it('runs HEAD itself when the working tree is clean', () => {
    const repo = createTestRepo({ 'a.txt': 'one\n' });
    const s = snapshotWorkingTree(repo.dir, mkdtempSync(join(tmpdir(), 'snap-')), { branch: 'main' });
    expect(s).toMatchObject({ dirty: false, revision: repo.git('rev-parse', 'HEAD'), head: repo.git('rev-parse', 'HEAD') });
    expect(execFileSync('git', ['rev-parse', 'refs/heads/main'], { cwd: fileURLToPath(s.url), encoding: 'utf8' }).trim()).toBe(s.revision);
  });

  it('commits uncommitted and untracked files on top of HEAD without touching the index, branch or files', () => {
    const repo = createTestRepo({ 'a.txt': 'one\n', '.gitignore': 'ignored.txt\n' });
    const head = repo.git('rev-parse', 'HEAD');
    writeFileSync(join(repo.dir, 'a.txt'), 'two\n');
    writeFileSync(join(repo.dir, 'new.txt'), 'new\n');
    writeFileSync(join(repo.dir, 'ignored.txt'), 'secret\n');
    repo.git('add', 'a.txt');
    const statusBefore = repo.git('status', '--porcelain');
    const s = snapshotWorkingTree(join(repo.dir), mkdtempSync(join(tmpdir(), 'snap-')), { branch: 'feature/x' });
    expect(s.dirty).toBe(true);
    expect(s.revision).not.toBe(head);
    expect(show(s.url, s.revision, 'a.txt')).toBe('two\n');
    expect(show(s.url, s.revision, 'new.txt')).toBe('new\n');
    expect(() => show(s.url, s.revision, 'ignored.txt')).toThrow();
    expect(show(s.url, `${s.revision}^`, 'a.txt')).toBe('one\n');
    expect(execFileSync('git', ['rev-parse', 'refs/heads/feature/x'], { cwd: fileURLToPath(s.url), encoding: 'utf8' }).trim()).toBe(s.revision);
    expect(repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(repo.git('status', '--porcelain')).toBe(statusBefore);
  });

  it('refuses a folder outside any git working tree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'not-git-'));
    expect(() => snapshotWorkingTree(dir, dir, {})).toThrow(/is not in a git working tree/);
  });
});
