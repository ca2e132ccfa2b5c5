import { mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRepo } from '../../../test/support/git-repo';
import { RefNotFoundError, VcsError } from '../../model/errors';
import { aProject } from '../../ports/project-store.contract';
import { defineRepositorySourceContract } from '../../ports/repository-source.contract';
import { GitCliRepositorySource } from '../vcs/git-cli-repository-source';

defineRepositorySourceContract('GitCliRepositorySource (a git mirror of a repository on disk)', async () => {
  const repo = createTestRepo({ '.circleci/config.yml': 'version: 2.1\n' });
  return {
    source: new GitCliRepositorySource(join(mkdtempSync(join(tmpdir(), 'git-contract-')), 'git')),
    project: aProject({ slug: 'gh/acme/demo', organizationName: 'acme', name: 'demo', repoUrl: repo.url, defaultBranch: 'main' }),
    repo,
  };
});

describe('GitCliRepositorySource fetches', () => {
  const setup = () => {
    const repo = createTestRepo({ '.circleci/config.yml': 'version: 2.1\n' });
    const source = new GitCliRepositorySource(join(mkdtempSync(join(tmpdir(), 'git-fetch-')), 'git'));
    const project = aProject({ slug: 'gh/acme/demo', organizationName: 'acme', name: 'demo', repoUrl: repo.url, defaultBranch: 'main' });
    return { repo, source, project };
  };

  it('reads a commit named by its full id from the mirror without fetching, and fetches for a branch', async () => {
    const { repo, source, project } = setup();
    const first = await source.resolve(project, { branch: 'main' });
    // The origin goes away: what needs a fetch fails, a commit the mirror holds is still read.
    renameSync(repo.dir, `${repo.dir}-gone`);
    await expect(source.resolve(project, { revision: first.revision })).resolves.toEqual(first);
    await expect(source.resolve(project, { branch: 'main' })).rejects.toThrow(VcsError);
    // An abbreviated id may name another commit once fetched: it is fetched like a branch.
    await expect(source.resolve(project, { revision: first.revision.slice(0, 12) })).rejects.toThrow(VcsError);
  });

  it('fetches a commit named by its full id that the mirror does not have yet', async () => {
    const { repo, source, project } = setup();
    await source.resolve(project, { branch: 'main' });
    const second = repo.commit({ 'README.md': 'two\n' }, 'Second commit\n\nBody.');
    await expect(source.resolve(project, { revision: second })).resolves.toMatchObject({ revision: second, subject: 'Second commit', body: 'Body.' });
    await expect(source.resolve(project, { revision: 'f'.repeat(40) })).rejects.toThrow(RefNotFoundError);
  });
});
