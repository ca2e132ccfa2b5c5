import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { createTestRepo } from '../support/git-repo';

const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - checkout
      - run: echo "built $CIRCLE_SHA1"
workflows:
  main:
    jobs: [build]
`;

describe('local push-to-build (slipway project add --watch)', () => {
  let server: DevServer;
  const slug = 'gh/acme/pushy';
  const bare = join(mkdtempSync(join(tmpdir(), 'slipway-bare-')), 'pushy.git');
  const work = createTestRepo({ '.circleci/config.yml': CONFIG, 'README.md': 'demo' });
  const gitPush = (...args: string[]) => {
    const r = spawnSync('git', ['-C', work.dir, 'push', bare, ...args], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    return r.stderr;
  };
  const pipelineAt = (sha: string) =>
    waitFor(
      async () => (await server.api('GET', `/api/v2/project/${slug}/pipeline`)).body.items?.find((p: any) => p.vcs.revision === sha),
      `a pipeline at ${sha}`,
    );

  beforeAll(async () => {
    server = await startDevServer();
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
    const cli = spawnSync(process.execPath, [resolve(__dirname, '..', '..', 'bin', 'slipway.js'), 'project', 'add', slug, '--repo', bare, '--watch'], {
      env: { ...process.env, SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.token },
      encoding: 'utf8',
    });
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(/Project gh\/acme\/pushy added\.\nWatching .*pushy\.git/);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('installs an executable hook and keeps the token in a 0600 file', () => {
    expect(statSync(join(bare, 'hooks', 'post-receive')).mode & 0o111).toBeTruthy();
    expect(statSync(join(bare, 'slipway-watch.json')).mode & 0o777).toBe(0o600);
  });

  it('starts a pipeline when a branch is pushed, at the pushed commit', async () => {
    const sha = work.git('rev-parse', 'HEAD');
    expect(gitPush('main')).toMatch(/remote: slipway: refs\/heads\/main: pipeline 1 started/);
    const pipeline = await pipelineAt(sha);
    expect(pipeline.vcs).toMatchObject({ branch: 'main', revision: sha });
    const wf = await waitFor(async () => {
      const w = (await server.api('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).body.items?.[0];
      return w && w.status !== 'running' ? w : undefined;
    }, 'the workflow to finish');
    expect(wf.status).toBe('success');
  });

  it('builds tags, and never skip-marked commits or deleted refs', async () => {
    const skipped = work.commit({ 'a.txt': '1' }, 'docs only [skip ci]');
    expect(gitPush('main')).toMatch(/refs\/heads\/main: not built: .*skip CI/);
    work.git('tag', 'v1.0.0', skipped);
    const tagged = work.commit({ 'b.txt': '1' }, 'release');
    work.git('tag', 'v1.0.1', tagged);
    expect(gitPush('v1.0.1')).toMatch(/refs\/tags\/v1\.0\.1: pipeline \d+ started/);
    expect((await pipelineAt(tagged)).vcs).toMatchObject({ tag: 'v1.0.1' });
    expect(gitPush(`${tagged}:refs/heads/topic`)).toMatch(/refs\/heads\/topic: pipeline \d+ started/);
    expect(gitPush(':refs/heads/topic')).toMatch(/refs\/heads\/topic: not built: .*deleted/);
    const all = (await server.api('GET', `/api/v2/project/${slug}/pipeline`)).body.items;
    expect(all.some((p: any) => p.vcs.revision === skipped)).toBe(false);
    expect(existsSync(join(bare, 'refs', 'heads', 'topic'))).toBe(false);
  });
});
