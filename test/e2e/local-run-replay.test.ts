import { resolve } from 'node:path';
import { startDevServer, type DevServer } from '../support/dev-server';
import { createTestRepo } from '../support/git-repo';
import { runSlipway } from '../support/slipway-cli';
import { jobOutput, workflowOf } from './control-plane-support';

jest.setTimeout(180_000);

const ROOT = resolve(__dirname, '..', '..');

const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - checkout
      - run: mkdir -p ws && cp payload.txt ws/payload.txt
      - persist_to_workspace: { root: ws, paths: [payload.txt] }
  verify:
    docker: [{ image: cimg/base:stable }]
    steps:
      - attach_workspace: { at: attached }
      - run:
          name: Check the payload
          command: |
            echo "workspace holds: $(cat attached/payload.txt)"
            echo "token is \${#API_TOKEN} characters"
            exit 4
workflows:
  main:
    jobs: [build, { verify: { requires: [build] } }]
`;

const slipway = (args: string[], env: Record<string, string>) => runSlipway(ROOT, args, env);

describe('slipway run --replay', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'payload.txt': 'payload-42\n' });
  const slug = 'gh/acme/replayed';
  let verifyNumber: number;

  beforeAll(async () => {
    server = await startDevServer();
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
    expect((await server.api('POST', `/api/v2/project/${slug}/envvar`, { name: 'API_TOKEN', value: 'sekrit-value-1234' })).status).toBe(201);
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const { workflow, jobs } = await workflowOf(server, trigger.body.id);
    expect([workflow.status, jobs.verify.status]).toEqual(['failed', 'failed']);
    verifyNumber = jobs.verify.job_number;
    expect(await jobOutput(server, slug, verifyNumber)).toContain('workspace holds: payload-42');
  }, 120_000);
  afterAll(async () => server?.stop());

  it('serves what the job ran with, secrets masked unless asked for by an admin', async () => {
    const masked = await server.api('GET', `/api/v2/project/${slug}/job/${verifyNumber}/replay`);
    expect(masked.status).toBe(200);
    expect(masked.body).toMatchObject({ job_name: 'verify', workflow_name: 'main', status: 'failed', config: CONFIG, environment: [{ name: 'API_TOKEN', value: 'xxxx1234', masked: true }] });
    const clear = await server.api('GET', `/api/v2/project/${slug}/job/${verifyNumber}/replay?with-secrets=true`);
    expect(clear.body.environment).toEqual([{ name: 'API_TOKEN', value: 'sekrit-value-1234', masked: false }]);
    expect((await server.api('GET', `/api/v2/project/${slug}/job/${verifyNumber}/replay`, undefined, null)).status).toBe(401);
  });

  it('reruns the failed job locally: it fails the same way with the same workspace content', async () => {
    const r = await slipway(['run', '--replay', `${server.url}/pipelines/${slug}/1/workflows/x/jobs/${verifyNumber}`], { SLIPWAY_URL: '', SLIPWAY_TOKEN: server.token });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Replaying main/verify (job ${verifyNumber} of ${slug}, failed on the server)`);
    expect(r.out).toContain('Masked (rerun with --with-secrets as an organisation admin for the values): API_TOKEN');
    expect(r.out).toContain('--- main/verify: step "Check the payload" failed ---\nworkspace holds: payload-42\ntoken is 8 characters\n');
    expect(r.out).toMatch(/main\/verify +failed/);
  });

  it('gives the secret values with --with-secrets', async () => {
    const r = await slipway(['run', '--json', '--with-secrets', '--replay', `${slug}/${verifyNumber}`], { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.token });
    const s = JSON.parse(r.out);
    expect(r.code).toBe(1);
    const verify = s.jobs.find((j: { job: string }) => j.job === 'verify');
    expect(verify.failedSteps[0].output).toContain('token is 17 characters');
  });
});
