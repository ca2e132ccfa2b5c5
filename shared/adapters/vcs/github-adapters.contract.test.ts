import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aProject } from '../../ports/project-store.contract';
import { defineCommitStatusNotifierContract } from '../../ports/commit-status-notifier.contract';
import { defineRepositorySourceContract } from '../../ports/repository-source.contract';
import { systemClock } from '../../ports/clock';
import { createTestResources } from '../../../test/support/aws';
import { startFakeGitHub, type FakeGitHub } from '../../../test/support/fake-github';
import { githubAppKeys } from '../../../test/support/github-app-keys';
import { createTestRepo } from '../../../test/support/git-repo';
import { DynamoGitHubInstallationStore } from './dynamo-github-installation-store';
import { GitHubApp } from './github-app';
import { GitHubCommitStatusNotifier } from './github-commit-status-notifier';
import { GitHubRepositorySource } from './github-repository-source';
import { GitCliRepositorySource } from './git-cli-repository-source';

const fakes: FakeGitHub[] = [];
afterAll(() => Promise.all(fakes.map((f) => f.stop())));

async function setup(tokenTtlSeconds = 3600) {
  const keys = githubAppKeys();
  const repo = createTestRepo({ '.circleci/config.yml': 'version: 2.1\n', 'README.md': 'hello\n' });
  const github = await startFakeGitHub({
    appId: '42',
    publicKey: keys.publicKey,
    tokenTtlSeconds,
    repositories: { 'acme/demo': { dir: repo.dir, installationId: 7 } },
  });
  fakes.push(github);
  const installations = new DynamoGitHubInstallationStore((await createTestResources({ queues: false })).table);
  const app = new GitHubApp({ appId: '42', privateKey: keys.privateKey, apiUrl: github.url }, installations, systemClock);
  const project = aProject({
    slug: 'gh/acme/demo',
    organizationName: 'acme',
    name: 'demo',
    repoUrl: 'https://github.example/acme/demo.git',
  });
  return { github, repo, app, installations, project };
}

defineRepositorySourceContract('GitHubRepositorySource on a fake GitHub (contents, commits and trees APIs)', async () => {
  const { repo, app, project } = await setup();
  return { source: new GitHubRepositorySource(app, new GitCliRepositorySource(mkdtempSync(path.join(tmpdir(), 'gh-local-')))), project, repo };
});

defineCommitStatusNotifierContract('GitHubCommitStatusNotifier on a fake GitHub', async () => {
  const { github, repo, app, project } = await setup();
  return {
    notifier: new GitHubCommitStatusNotifier(app, { sleep: async () => undefined }),
    project,
    revision: repo.git('rev-parse', 'HEAD'),
    read: async (sha) =>
      github.statuses
        .filter((s) => s.sha === sha)
        .reverse()
        .map((s) => ({
          context: s.context,
          state: s.state as never,
          targetUrl: s.target_url,
          description: s.description,
        })),
    failNext: (count, status) => github.failNextStatuses(count, status),
  };
});

describe('GitHubRepositorySource', () => {
  it('reads the config at the exact commit through the contents API', async () => {
    const { github, repo, app, project } = await setup();
    const first = repo.git('rev-parse', 'HEAD');
    repo.commit({ '.circleci/config.yml': 'version: 2.1\n# second\n' }, 'second commit\n\nwith a body');
    const source = new GitHubRepositorySource(app, new GitCliRepositorySource('/tmp/unused'));
    expect(await source.readFile(project, first, '.circleci/config.yml')).toBe('version: 2.1\n');
    const head = await source.resolve(project, { branch: 'main' });
    expect(head).toMatchObject({
      revision: repo.git('rev-parse', 'HEAD'),
      subject: 'second commit',
      body: 'with a body',
      authorName: 'Test',
    });
    expect(await source.readFile(project, head.revision, '.circleci/config.yml')).toBe('version: 2.1\n# second\n');
    expect(await source.readFile(project, head.revision, 'missing.yml')).toBeUndefined();
    await expect(source.resolve(project, { branch: 'nope' })).rejects.toThrow(/Branch nope not found in GitHub repository acme\/demo/);
    expect(
      github.requests.some(
        (r) =>
          r.path === `/repos/acme/demo/contents/.circleci%2Fconfig.yml?ref=${first}` ||
          r.path === `/repos/acme/demo/contents/.circleci/config.yml?ref=${first}`,
      ),
    ).toBe(true);
  });

  it('lists a folder at the exact commit, through GitHub and through the local git reader alike', async () => {
    const { repo, app, project } = await setup();
    const first = repo.commit({ '.circleci/config/@config.yml': 'version: 2.1\n', '.circleci/config/jobs/build.yml': 'docker: []\n' });
    repo.commit({ '.circleci/config/jobs/test.yml': 'docker: []\n' });
    const local = new GitCliRepositorySource(mkdtempSync(path.join(tmpdir(), 'mirrors-')));
    const viaGitHub = new GitHubRepositorySource(app, local);
    const localProject = { ...project, repoUrl: repo.url };
    await local.resolve(localProject, { branch: 'main' });
    for (const [source, p] of [
      [viaGitHub, project],
      [local, localProject],
    ] as const) {
      expect((await source.listFiles(p, first, '.circleci/config'))?.sort()).toEqual(['@config.yml', 'jobs/build.yml']);
      expect(await source.listFiles(p, first, '.circleci/nope')).toBeUndefined();
    }
  });

  it('hands the agent a short-lived installation token, renewed shortly before it expires', async () => {
    const { github, app, project, installations } = await setup(4);
    const source = new GitHubRepositorySource(app, new GitCliRepositorySource('/tmp/unused'));
    const a = await source.checkoutAccess(project);
    expect(a).toMatchObject({ url: project.repoUrl, username: 'x-access-token' });
    expect(github.tokenReaches(a.password!, 'acme/demo')).toBe(true);
    expect(await installations.findInstallation('acme/demo')).toBe(7);
    // A 4 s token is inside the 5 minute refresh margin: every request exchanges a new one.
    const b = await source.checkoutAccess(project);
    expect(b.password).not.toBe(a.password);
    expect(github.issuedTokens).toHaveLength(2);
  });

  it('caches the token while it is far from expiry and says when the App is not installed', async () => {
    const { github, app, project } = await setup();
    const source = new GitHubRepositorySource(app, new GitCliRepositorySource('/tmp/unused'));
    await Promise.all([source.checkoutAccess(project), source.checkoutAccess(project), source.resolve(project, { branch: 'main' })]);
    expect(github.issuedTokens).toHaveLength(1);
    await expect(source.resolve({ ...project, slug: 'gh/other/repo' }, { branch: 'main' })).rejects.toThrow(/not installed on other\/repo/);
  });
});
