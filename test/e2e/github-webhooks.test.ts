import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { deliver, examplePayload } from '../support/fake-github';
import { createTestRepo } from '../support/git-repo';

const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - checkout
      - run: test -f README.md && if [ -n "$MY_SECRET" ]; then echo "secret:present"; else echo "secret:absent"; fi
workflows:
  main:
    jobs: [build]
`;

const SECRET = 'current-secret';
const OLD_SECRET = 'rotated-out-secret';

describe('GitHub webhooks (slipway dev, local mode without a GitHub App)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'README.md': 'demo' });
  const slug = 'gh/Codertocat/Hello-World';

  const push = (sha: string, message: string, ref = 'refs/heads/main') => {
    const p = examplePayload('push', (x) => x.ref === 'refs/heads/master' && !x.deleted);
    return { ...p, ref, after: sha, head_commit: { ...p.head_commit, id: sha, message } };
  };
  const pipelineAt = (sha: string) =>
    waitFor(
      async () => (await server.api('GET', `/api/v2/project/${slug}/pipeline`)).body.items.find((p: any) => p.vcs.revision === sha),
      `a pipeline at ${sha}`,
    );
  async function jobOutput(pipelineId: string): Promise<string> {
    const job = await waitFor(async () => {
      const wf = (await server.api('GET', `/api/v2/pipeline/${pipelineId}/workflow`)).body.items?.[0];
      if (!wf || wf.status === 'running') return undefined;
      return (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items[0];
    }, `pipeline ${pipelineId} to finish`);
    expect(job.status).toBe('success');
    const [vcs, org, name] = slug.split('/');
    const detail = await server.api('GET', `/api/v1.1/project/${vcs}/${org}/${name}/${job.job_number}`);
    let text = '';
    for (const step of detail.body.steps) for (const a of step.actions) for (const m of (await (await fetch(a.output_url)).json()) as any[]) text += m.message;
    return text;
  }

  beforeAll(async () => {
    server = await startDevServer({ env: { SLIPWAY_GITHUB_WEBHOOK_SECRET: `${SECRET},${OLD_SECRET}` } });
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
    expect(
      (
        await server.api('POST', `/api/v2/project/${slug}/envvar`, {
          name: 'MY_SECRET',
          value: 'hunter2-secret',
        })
      ).status,
    ).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('answers ping and refuses unsigned, forged and malformed deliveries', async () => {
    const ping = examplePayload('ping');
    expect(await deliver(server.url, 'ping', ping, { secret: SECRET })).toEqual({
      status: 200,
      message: 'pong',
    });
    expect((await deliver(server.url, 'ping', ping, { secret: OLD_SECRET })).status).toBe(200);
    expect((await deliver(server.url, 'ping', ping, { secret: null })).status).toBe(401);
    expect((await deliver(server.url, 'ping', ping, { secret: 'not-the-secret' })).status).toBe(401);
    expect((await deliver(server.url, 'ping', ping, { secret: null, signature: 'sha256=' + '0'.repeat(64) })).status).toBe(401);
    const malformed = await deliver(server.url, 'push', undefined, { secret: SECRET, body: '{"ref": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.message).toMatch(/Malformed JSON/);
    const wrongShape = await deliver(server.url, 'push', { ref: 'refs/heads/main', repository: { full_name: 'Codertocat/Hello-World' } }, { secret: SECRET });
    expect(wrongShape).toEqual({
      status: 400,
      message: expect.stringMatching(/push payload is malformed at after/),
    });
  });

  it('starts one pipeline per delivery id however often it is redelivered', async () => {
    const sha = repo.commit({ 'a.txt': '1' }, 'change a');
    const payload = push(sha, 'change a');
    const first = await Promise.all([1, 2, 3].map(() => deliver(server.url, 'push', payload, { secret: SECRET, id: 'delivery-1' })));
    expect(first.map((r) => r.status).sort()).toEqual([200, 200, 202]);
    expect((await deliver(server.url, 'push', payload, { secret: SECRET, id: 'delivery-1' })).message).toMatch(/already received/);
    const pipeline = await pipelineAt(sha);
    expect(pipeline).toMatchObject({
      trigger: { type: 'webhook', actor: { login: payload.sender.login } },
      vcs: { branch: 'main', commit: { subject: 'change a' } },
    });
    expect(await jobOutput(pipeline.id)).toContain('secret:present');
    const all = (await server.api('GET', `/api/v2/project/${slug}/pipeline`)).body.items;
    expect(all.filter((p: any) => p.vcs.revision === sha)).toHaveLength(1);
  });

  it('never builds deleted refs, create/delete events or commits that ask to skip CI', async () => {
    const sha = repo.commit({ 'b.txt': '1' }, 'skip me');
    for (const message of ['docs [skip ci]', 'WIP [ci skip] later']) {
      expect(await deliver(server.url, 'push', push(sha, message), { secret: SECRET })).toEqual({
        status: 200,
        message: expect.stringMatching(/skip CI/),
      });
    }
    const deleted = examplePayload('push', (x) => x.deleted === true);
    expect(await deliver(server.url, 'push', deleted, { secret: SECRET })).toEqual({
      status: 200,
      message: expect.stringMatching(/deleted refs never build/),
    });
    expect((await deliver(server.url, 'create', examplePayload('create'), { secret: SECRET })).status).toBe(200);
    expect((await deliver(server.url, 'delete', examplePayload('delete'), { secret: SECRET })).status).toBe(200);
    // A marker after the first 250 characters does not count; a tag push builds the tag.
    const late = `${'x'.repeat(251)} [skip ci]`;
    expect((await deliver(server.url, 'push', push(sha, late), { secret: SECRET })).status).toBe(202);
    const tagSha = repo.commit({ 'c.txt': '1' }, 'tagged');
    repo.git('tag', 'v1.0.1', tagSha);
    expect((await deliver(server.url, 'push', push(tagSha, 'tagged', 'refs/tags/v1.0.1'), { secret: SECRET })).status).toBe(202);
    expect(await pipelineAt(sha)).toMatchObject({ vcs: { branch: 'main' } });
    expect(await pipelineAt(tagSha)).toMatchObject({ vcs: { tag: 'v1.0.1' } });
  });

  it('builds forked pull requests only when allowed, without secrets unless the project allows them', async () => {
    const sha = repo.commit({ 'fork.txt': '1' }, 'from a fork', 'feature');
    repo.git('checkout', '--quiet', 'main');
    const pr = examplePayload('pull_request', (x) => x.action === 'opened');
    pr.pull_request.head = {
      ...pr.pull_request.head,
      sha,
      ref: 'feature',
      repo: {
        ...pr.pull_request.head.repo,
        full_name: 'forker/Hello-World',
        clone_url: 'https://github.com/forker/Hello-World.git',
      },
    };
    const v2 = await server.api('PATCH', `/api/v2/project/${slug}/settings`, {
      advanced: { build_fork_prs: true },
    });
    expect(v2.body.advanced).toMatchObject({ build_fork_prs: true, forks_receive_secret_env_vars: false });
    expect((await deliver(server.url, 'pull_request', pr, { secret: SECRET })).status).toBe(202);
    const withoutSecrets = await pipelineAt(sha);
    expect(withoutSecrets.vcs).toMatchObject({
      branch: `pull/${pr.number}`,
      review_id: String(pr.number),
      origin_repository_url: 'https://github.com/forker/Hello-World.git',
    });
    expect(await jobOutput(withoutSecrets.id)).toContain('secret:absent');

    const v1 = await server.api('PUT', `/api/v1.1/project/gh/Codertocat/Hello-World/settings`, {
      feature_flags: { 'forks-receive-secret-env-vars': true },
    });
    expect(v1.body.feature_flags).toMatchObject({
      'build-fork-prs': true,
      'forks-receive-secret-env-vars': true,
    });
    const sha2 = repo.commit({ 'fork.txt': '2' }, 'fork again', 'feature');
    repo.git('checkout', '--quiet', 'main');
    pr.action = 'synchronize';
    pr.pull_request.head.sha = sha2;
    expect((await deliver(server.url, 'pull_request', pr, { secret: SECRET })).status).toBe(202);
    expect(await jobOutput((await pipelineAt(sha2)).id)).toContain('secret:present');
  });
});
