import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRepo } from '../../../test/support/git-repo';
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
