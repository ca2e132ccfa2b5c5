import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitCliRepositorySource } from '../../adapters/vcs/git-cli-repository-source';
import { compileConfig } from '../../config/compile';
import { aProject } from '../../ports/project-store.contract';
import { createTestRepo } from '../../../test/support/git-repo';
import { readConfigSource } from './config-source';
import { parseSettingsPatch } from '../projects/project-settings';

async function setup(files: Record<string, string>, configFolder?: string) {
  const repo = createTestRepo(files);
  const repos = new GitCliRepositorySource(mkdtempSync(path.join(tmpdir(), 'mirrors-')));
  const project = aProject({ repoUrl: repo.url });
  project.settings = { ...project.settings, ...(configFolder ? { configFolder } : {}) } as typeof project.settings;
  const { revision } = await repos.resolve(project, { branch: 'main' });
  return readConfigSource(repos, project, revision);
}

const folder = {
  '.circleci/config/@config.yml': 'version: 2.1\n',
  '.circleci/config/jobs/build.yml': 'docker: [{image: cimg/base:stable}]\nsteps: [checkout, {persist_to_workspace: {root: ., paths: [dist]}}]\n',
  '.circleci/config/workflows/main.yml': 'jobs: [build]\n',
  '.circleci/config/README.md': 'not packed\n',
};

describe('readConfigSource', () => {
  it('reads .circleci/config.yml, or .circleci/config.yaml, by default', async () => {
    expect(await setup({ '.circleci/config.yml': 'version: 2.1\n' })).toEqual({ ok: true, source: 'version: 2.1\n' });
    expect(await setup({ '.circleci/config.yaml': 'version: 2\n' })).toEqual({ ok: true, source: 'version: 2\n' });
    expect(await setup({ 'README.md': 'x' })).toEqual({
      ok: false,
      error: { type: 'config-fetch', message: expect.stringContaining('No .circleci/config.yml found') },
    });
  });

  it('packs the folder the project setting names, at the commit, into a config that compiles', async () => {
    const read = await setup(folder, '.circleci/config/');
    if (!read.ok) throw new Error(read.error.message);
    const compiled = await compileConfig(read.source);
    expect(compiled.ok && compiled.plan.workflows.map((w) => [w.name, w.jobs.map((j) => j.name)])).toEqual([['main', ['build']]]);
  });

  it('says which folder is missing and which file cannot be packed', async () => {
    expect(await setup(folder, 'ci')).toEqual({
      ok: false,
      error: { type: 'config-fetch', message: expect.stringMatching(/^No ci folder found at [0-9a-f]{12}\. /) },
    });
    const bad = await setup({ ...folder, '.circleci/config/jobs/lint.yml': '- not a map\n' }, '.circleci/config');
    expect(bad).toEqual({
      ok: false,
      error: { type: 'config', message: expect.stringContaining('.circleci/config/jobs/lint.yml: expected a map, got a list') },
    });
  });
});

describe('config_folder setting', () => {
  it.each([
    [{ config_folder: '.circleci/config/' }, { configFolder: '.circleci/config' }],
    [{ config_folder: '' }, { configFolder: undefined }],
  ])('accepts %j', (advanced, changes) => {
    expect(parseSettingsPatch({ advanced })).toEqual(changes);
  });

  it.each(['/etc', '../other', 'a/./b', 7])('rejects %j', (value) => {
    expect(() => parseSettingsPatch({ advanced: { config_folder: value } })).toThrow(/config_folder/);
  });
});
