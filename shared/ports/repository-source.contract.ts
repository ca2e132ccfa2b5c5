import type { Project } from '../model/entities';
import { RefNotFoundError } from '../model/errors';
import type { RepositorySource } from './repository-source';

/** A git repository the fixture serves through the adapter: commit files (on a branch), run git in it. */
export interface ContractRepo {
  commit(files: Record<string, string>, message?: string, branch?: string): string;
  git(...args: string[]): string;
}

/**
 * The semantics `shared/ports/repository-source.ts` states, for every adapter, on one real git repository:
 * refs resolve to their commit (branch, default branch, tag, revision) with its message; an unknown ref is a
 * `RefNotFoundError` naming its kind; files read at the exact commit; a missing file, or a folder, is
 * `undefined`; folders list recursively; the agent gets a URL to check out.
 * The factory's repository starts with one commit on `main`: `.circleci/config.yml` = `version: 2.1\n`.
 */
export function defineRepositorySourceContract(name: string, factory: () => Promise<{ source: RepositorySource; project: Project; repo: ContractRepo }>): void {
  describe(`RepositorySource contract: ${name}`, () => {
    it('resolves a branch, the default branch, a tag and a revision to the commit, with its message', async () => {
      const { source, project, repo } = await factory();
      const first = repo.git('rev-parse', 'HEAD');
      repo.git('tag', 'v1.0.0', first);
      const second = repo.commit({ 'README.md': 'two\n' }, 'Second commit\n\nWith a body line.');
      const feature = repo.commit({ 'feature.txt': 'f\n' }, 'On a feature', 'feature/x');
      expect(await source.resolve(project, {})).toMatchObject({
        revision: second,
        subject: 'Second commit',
        body: 'With a body line.',
        authorName: expect.any(String),
      });
      expect((await source.resolve(project, { branch: 'main' })).revision).toBe(second);
      expect((await source.resolve(project, { branch: 'feature/x' })).revision).toBe(feature);
      expect((await source.resolve(project, { tag: 'v1.0.0' })).revision).toBe(first);
      expect((await source.resolve(project, { revision: first })).revision).toBe(first);
    });

    it('throws RefNotFoundError naming the kind for an unknown branch, tag or revision', async () => {
      const { source, project } = await factory();
      for (const [ref, kind] of [
        [{ branch: 'nope' }, 'Branch'],
        [{ tag: 'v9' }, 'Tag'],
        [{ revision: 'f'.repeat(40) }, 'Revision'],
      ] as const) {
        const error = await source.resolve(project, ref).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RefNotFoundError);
        expect((error as RefNotFoundError).kind).toBe(kind);
      }
    });

    it('reads a file at the exact commit; a missing file or a folder is undefined', async () => {
      const { source, project, repo } = await factory();
      const first = repo.git('rev-parse', 'HEAD');
      const second = repo.commit({ '.circleci/config.yml': 'version: 2.1\n# second\n' });
      await source.resolve(project, {});
      expect(await source.readFile(project, first, '.circleci/config.yml')).toBe('version: 2.1\n');
      expect(await source.readFile(project, second, '.circleci/config.yml')).toBe('version: 2.1\n# second\n');
      expect(await source.readFile(project, second, '.circleci/missing.yml')).toBeUndefined();
      expect(await source.readFile(project, second, '.circleci')).toBeUndefined();
    });

    it('lists a folder recursively, relative to it; a missing folder is undefined', async () => {
      const { source, project, repo } = await factory();
      const rev = repo.commit({ '.circleci/config/@config.yml': 'version: 2.1\n', '.circleci/config/jobs/build.yml': 'docker: []\n' });
      await source.resolve(project, {});
      expect((await source.listFiles?.(project, rev, '.circleci/config'))?.sort()).toEqual(['@config.yml', 'jobs/build.yml']);
      expect(await source.listFiles?.(project, rev, '.circleci/none')).toBeUndefined();
    });

    it('gives the agent a URL to check out from', async () => {
      const { source, project } = await factory();
      expect((await source.checkoutAccess(project)).url).toEqual(expect.any(String));
    });
  });
}
