import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { deliver, examplePayload, startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { createTestRepo } from '../support/git-repo';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server';
import { githubAppKeys } from '../support/github-app-keys';

const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - checkout
      - run: test -f README.md && git log -1 --format=%s
  lint:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo "lint fails" && exit 1
  deploy:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo deployed
workflows:
  main:
    jobs:
      - build
      - lint
      - deploy:
          requires: [build]
`;

describe('GitHub App end to end (fake GitHub API and git server on loopback, slipway dev)', () => {
  const WEBHOOK_SECRET = 'app-webhook-secret';
  const work = createTestRepo({ '.circleci/config.yml': CONFIG, 'README.md': 'demo' });
  const root = mkdtempSync(join(tmpdir(), 'slipway-git-root-'));
  const bare = join(root, 'acme', 'demo.git');
  let github: FakeGitHub;
  let git: GitHttpServer;
  let server: DevServer;

  beforeAll(async () => {
    mkdirSync(join(root, 'acme'));
    execFileSync('git', ['clone', '--quiet', '--bare', work.dir, bare]);
    const keys = githubAppKeys();
    github = await startFakeGitHub({
      appId: '4242',
      publicKey: keys.publicKey,
      repositories: { 'acme/demo': { dir: bare, installationId: 99 } },
    });
    git = await startGitHttpServer({
      root,
      authorize: (user, password) => user === 'x-access-token' && github.tokenReaches(password, 'acme/demo'),
    });
    const appFile = join(mkdtempSync(join(tmpdir(), 'slipway-app-')), 'github-app.json');
    writeFileSync(appFile, JSON.stringify({ appId: 4242, privateKey: keys.privateKey, webhookSecrets: [WEBHOOK_SECRET] }), { mode: 0o600 });
    server = await startDevServer({ env: { SLIPWAY_GITHUB_APP_FILE: appFile, GITHUB_API_URL: github.url } });
    expect((await server.api('POST', '/api/v2/project/gh/acme/demo', { repo_url: `${git.url}/acme/demo.git` })).status).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    await git?.stop();
    await github?.stop();
  });

  it('builds a push: config through the contents API at the commit, token checkout, a status per job', async () => {
    const installation = examplePayload('installation', (x) => x.action === 'created');
    installation.installation.id = 99;
    installation.repositories = [{ id: 1, name: 'demo', full_name: 'acme/demo', private: true }];
    expect((await deliver(server.url, 'installation', installation, { secret: WEBHOOK_SECRET })).status).toBe(202);

    const sha = work.commit({ 'src.txt': 'v2' }, 'Add src');
    execFileSync('git', ['-C', work.dir, 'push', '--quiet', bare, 'main']);
    const push = examplePayload('push', (x) => x.ref === 'refs/heads/master' && !x.deleted);
    Object.assign(push, {
      ref: 'refs/heads/main',
      after: sha,
      head_commit: { ...push.head_commit, id: sha, message: 'Add src' },
    });
    push.repository = {
      ...push.repository,
      name: 'demo',
      full_name: 'acme/demo',
      owner: { ...push.repository.owner, login: 'acme', name: 'acme' },
    };
    github.failNextStatuses(1, 502);
    expect((await deliver(server.url, 'push', push, { secret: WEBHOOK_SECRET })).status).toBe(202);

    const pipeline = await waitFor(
      async () => (await server.api('GET', '/api/v2/project/gh/acme/demo/pipeline')).body.items?.find((p: any) => p.vcs.revision === sha),
      'the pipeline',
    );
    const { wf, jobs } = await waitFor(async () => {
      const wf = (await server.api('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).body.items?.[0];
      return wf && wf.status !== 'running' && wf.status !== 'failing'
        ? { wf, jobs: (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items as any[] }
        : undefined;
    }, 'the workflow to finish');
    const byName = Object.fromEntries(jobs.map((j) => [j.name, j]));
    expect([byName.build.status, byName.lint.status, byName.deploy.status]).toEqual(['success', 'failed', 'success']);

    expect(github.requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          method: 'GET',
          path: expect.stringMatching(new RegExp(`^/repos/acme/demo/contents/\\.circleci(/|%2F)config\\.yml\\?ref=${sha}$`)),
          auth: 'token',
        }),
      ]),
    );
    expect(git.requests.some((r) => r.path.startsWith('/acme/demo.git/') && r.authorized)).toBe(true);
    expect(git.requests.every((r) => r.authorized)).toBe(true);
    expect((await fetch(`${git.url}/acme/demo.git/info/refs?service=git-upload-pack`)).status).toBe(401);

    const final = { build: 'success', lint: 'failure', deploy: 'success' } as const;
    const statuses = await waitFor(async () => {
      const mine = github.statuses.filter((s) => s.sha === sha);
      const last = (job: string) => mine.filter((s) => s.context === `ci/circleci: ${job}`).at(-1)?.state;
      return Object.entries(final).every(([job, state]) => last(job) === state) ? mine : undefined;
    }, 'final commit statuses');
    for (const [job, state] of Object.entries(final)) {
      const seq = statuses.filter((s) => s.context === `ci/circleci: ${job}`);
      // Pending while queued or running, then the final state, never pending again. (A job that finished
      // before its queued notification was handled goes straight to its final state: the consumer posts
      // the job's current state, not the state a message names.)
      const firstFinal = seq.findIndex((s) => s.state !== 'pending');
      expect(seq.slice(firstFinal).every((s) => s.state === state)).toBe(true);
      expect(seq.at(-1)).toMatchObject({
        state,
        target_url: `${server.url}/pipelines/gh/acme/demo/${pipeline.number}/workflows/${wf.id}/jobs/${byName[job].job_number}`,
      });
    }
    expect(statuses.some((s) => s.state === 'pending')).toBe(true);
  });
});
