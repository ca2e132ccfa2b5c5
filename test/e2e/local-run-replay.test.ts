import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startDevServer, type DevServer } from '../support/dev-server';
import { createTestRepo } from '../support/git-repo';
import { runSlipway } from '../support/slipway-cli';
import { jobOutput, workflowOf } from './control-plane-support';

jest.setTimeout(180_000);

const ROOT = resolve(__dirname, '..', '..');

// The producer writes values that differ on every run, so the replay shows whether it got the server's
// workspace and cache or rebuilt them.
const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - checkout
      - run: mkdir -p ws && cp payload.txt ws/payload.txt && echo "stamp-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \\n')" > ws/stamp.txt
      - persist_to_workspace: { root: ws, paths: [payload.txt, stamp.txt] }
      - run: mkdir -p deps && echo "cached-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \\n')" > deps/cached.txt
      - save_cache: { key: 'deps-v1-{{ .Branch }}', paths: [deps] }
  verify:
    docker: [{ image: cimg/base:stable }]
    steps:
      - attach_workspace: { at: attached }
      - restore_cache: { keys: ['deps-v1-{{ .Branch }}', 'deps-v1-'] }
      - run:
          name: Check the payload
          command: |
            echo "workspace holds: $(cat attached/payload.txt) $(cat attached/stamp.txt)"
            echo "cache holds: $(cat deps/cached.txt)"
            echo "token is \${#API_TOKEN} characters, context secret \${#CTX_SECRET}"
            exit 4
workflows:
  main:
    jobs: [build, { verify: { requires: [build], context: [replay-ctx] } }]
`;

const slipway = (args: string[], env: Record<string, string>) => runSlipway(ROOT, args, env);

describe('slipway run --replay', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'payload.txt': 'payload-42\n' });
  const slug = 'gh/acme/replayed';
  let verifyNumber: number;
  let serverOutput: { stamp: string; cached: string };

  beforeAll(async () => {
    server = await startDevServer();
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
    expect((await server.api('POST', `/api/v2/project/${slug}/envvar`, { name: 'API_TOKEN', value: 'sekrit-value-1234' })).status).toBe(201);
    const context = (await server.api('POST', '/api/v2/context', { name: 'replay-ctx', owner: { slug: 'gh/acme' } })).body;
    expect((await server.api('PUT', `/api/v2/context/${context.id}/environment-variable/CTX_SECRET`, { value: 'ctx-value-77' })).status).toBe(200);
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const { workflow, jobs } = await workflowOf(server, trigger.body.id);
    expect([workflow.status, jobs.verify.status]).toEqual(['failed', 'failed']);
    verifyNumber = jobs.verify.job_number;
    const out = await jobOutput(server, slug, verifyNumber);
    serverOutput = { stamp: /workspace holds: payload-42 (stamp-[0-9a-f]{12})/.exec(out)![1], cached: /cache holds: (cached-[0-9a-f]{12})/.exec(out)![1] };
  }, 120_000);
  afterAll(async () => server?.stop());

  it('serves what the job ran with, secrets masked unless asked for by an admin', async () => {
    const masked = await server.api('GET', `/api/v2/project/${slug}/job/${verifyNumber}/replay`);
    expect(masked.status).toBe(200);
    expect(masked.body).toMatchObject({
      job_name: 'verify',
      workflow_name: 'main',
      status: 'failed',
      config: CONFIG,
      environment: [{ name: 'API_TOKEN', value: 'xxxx1234', masked: true }],
    });
    expect(masked.body.workspace).toEqual([{ job: 'build', url: expect.stringMatching(/^http/), size: expect.any(Number) }]);
    expect(masked.body.caches).toEqual([{ key: 'deps-v1-main', url: expect.stringMatching(/^http/), size: expect.any(Number) }]);
    const clear = await server.api('GET', `/api/v2/project/${slug}/job/${verifyNumber}/replay?with-secrets=true`);
    expect(clear.body.environment).toEqual([{ name: 'API_TOKEN', value: 'sekrit-value-1234', masked: false }]);
    expect((await server.api('GET', `/api/v2/project/${slug}/job/${verifyNumber}/replay`, undefined, null)).status).toBe(401);
  });

  it('reruns the failed job locally without its producer: it fails the same way with the same workspace and cache', async () => {
    const r = await slipway(['run', '--replay', `${server.url}/pipelines/${slug}/1/workflows/x/jobs/${verifyNumber}`], {
      SLIPWAY_URL: '',
      SLIPWAY_TOKEN: server.token,
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Replaying main/verify (job ${verifyNumber} of ${slug}, failed on the server)`);
    expect(r.out).toContain('Masked (rerun with --with-secrets as an organisation admin for the values): API_TOKEN');
    expect(r.out).toContain('Fetched the workspace it attached: build (');
    expect(r.out).toContain('Fetched the cache it restored: deps-v1-main (');
    expect(r.out).toContain('Contexts replayed without their variables (rerun with --with-secrets as an organisation admin for them): replay-ctx');
    expect(r.out).toContain(
      `--- main/verify: step "Check the payload" failed ---\nworkspace holds: payload-42 ${serverOutput.stamp}\ncache holds: ${serverOutput.cached}\ntoken is 8 characters, context secret 0\n`,
    );
    expect(r.out).toMatch(/main\/verify +failed/);
    expect(r.out).not.toMatch(/main\/build +success/);
  });

  it('gives the secret values with --with-secrets', async () => {
    const r = await slipway(['run', '--json', '--with-secrets', '--replay', `${slug}/${verifyNumber}`], {
      SLIPWAY_URL: server.url,
      SLIPWAY_TOKEN: server.token,
    });
    const s = JSON.parse(r.out);
    expect(r.code).toBe(1);
    expect(s.jobs.map((j: { job: string }) => j.job)).toEqual(['verify']);
    const verify = s.jobs.find((j: { job: string }) => j.job === 'verify');
    expect(verify.failedSteps[0].output).toContain('token is 17 characters, context secret 12');
    expect(r.out).not.toMatch(/sekrit-value-1234|ctx-value-77/);
    expect(verify.failedSteps[0].output).toContain(`workspace holds: payload-42 ${serverOutput.stamp}`);
  });
});

const SECRET_CONFIG = `version: 2.1
jobs:
  deploy:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run:
          name: Use the secrets
          command: |
            echo "key=$DEPLOY_KEY token=$API_TOKEN file=$FILE_SECRET lengths=\${#DEPLOY_KEY},\${#API_TOKEN},\${#FILE_SECRET}"
            exit 3
workflows:
  main:
    jobs: [{ deploy: { context: [deploy] } }]
`;

describe('slipway run --secrets-from', () => {
  let server: DevServer;
  const slug = 'gh/acme/secret-source';
  const repo = createTestRepo({ '.circleci/config.yml': SECRET_CONFIG });
  let viewerToken: string;

  beforeAll(async () => {
    server = await startDevServer();
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
    expect((await server.api('POST', `/api/v2/project/${slug}/envvar`, { name: 'API_TOKEN', value: 'project-secret-123' })).status).toBe(201);
    const context = (await server.api('POST', '/api/v2/context', { name: 'deploy', owner: { slug: 'gh/acme' } })).body;
    expect((await server.api('PUT', `/api/v2/context/${context.id}/environment-variable/DEPLOY_KEY`, { value: 'context-secret-4567' })).status).toBe(200);
    const viewer = (await server.api('POST', '/api/v2/slipway/users', { login: 'secret-viewer' })).body;
    await server.api('PUT', `/api/v2/slipway/users/${viewer.id}/roles`, { organization: 'gh/acme', role: 'viewer' });
    viewerToken = (await server.api('POST', `/api/v2/slipway/users/${viewer.id}/tokens`, { label: 't' })).body.token;
  }, 120_000);
  afterAll(async () => server?.stop());

  it('exports the project and the named contexts to organisation admins only, naming an unknown context', async () => {
    const exported = await server.api('GET', `/api/v2/project/${slug}/secrets?contexts=deploy`);
    expect(exported.body).toEqual({
      project_slug: slug,
      environment: [{ name: 'API_TOKEN', value: 'project-secret-123' }],
      contexts: [{ name: 'deploy', variables: [{ name: 'DEPLOY_KEY', value: 'context-secret-4567' }] }],
    });
    expect((await server.api('GET', `/api/v2/project/${slug}/secrets`, undefined, viewerToken)).status).toBe(403);
    const unknown = await server.api('GET', `/api/v2/project/${slug}/secrets?contexts=nope`);
    expect([unknown.status, unknown.body.message]).toEqual([404, 'Context nope does not exist in gh/acme.']);
  });

  it("runs with the server's project and context secrets and a dotenv file, every value masked in the output", async () => {
    const file = join(repo.dir, '..', `${Date.now()}-secrets.env`);
    writeFileSync(file, '# local only\nFILE_SECRET="file-secret-89"\n');
    const r = await runSlipway(repo.dir, ['run', '--json', '--secrets-from', slug, '--secrets-from', file], {
      SLIPWAY_URL: server.url,
      SLIPWAY_TOKEN: server.token,
    });
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.out);
    const deploy = summary.jobs.find((j: { job: string }) => j.job === 'deploy');
    expect(deploy.failedSteps[0].output).toContain('key=******** token=******** file=******** lengths=19,18,14\n');
    expect(r.out).not.toMatch(/context-secret-4567|project-secret-123|file-secret-89/);
  });

  it('refuses a bad secrets file or a server that refuses, before running anything', async () => {
    const bad = join(repo.dir, '..', `${Date.now()}-bad.env`);
    writeFileSync(bad, 'GOOD=1\nnot a variable\n');
    const r = await runSlipway(repo.dir, ['run', '--secrets-from', bad], {});
    expect([r.code, r.err.trim()]).toEqual([2, `--secrets-from ${bad}:2: expected NAME=value, got "not a variable".`]);
    const denied = await runSlipway(repo.dir, ['run', '--json', '--secrets-from', slug], { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: viewerToken });
    expect(denied.code).not.toBe(0);
    expect(denied.err).toContain(`GET /api/v2/project/${slug}/secrets?contexts=deploy: HTTP 403`);
  });
});
