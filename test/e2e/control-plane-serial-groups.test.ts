import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { workflowOf } from './control-plane-support';

jest.setTimeout(120_000);

const CONFIG = `version: 2.1
parameters:
  delay: { type: string, default: "0" }
  hold: { type: string, default: "3" }
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: sleep << pipeline.parameters.delay >> }]
  deploy:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: sleep << pipeline.parameters.hold >> }]
workflows:
  main:
    jobs:
      - build
      - deploy: { requires: [build], serial-group: prod-deploys }
`;

describe('serial groups (organisation-wide, through the HTTP API)', () => {
  let server: DevServer;
  let api: DevServer['api'];
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
  const trigger = async (slug: string, delay = '0', hold = '3') => {
    const res = await api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main', parameters: { delay, hold } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    server = await startDevServer();
    api = checkedApi(server);
    for (const slug of ['gh/acme/serial-a', 'gh/acme/serial-b'])
      expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('runs the deploys of two projects of one organisation one after the other, never at once', async () => {
    const first = await trigger('gh/acme/serial-a', '0', '6');
    await workflowOf(server, first, (_wf, jobs) => jobs.deploy?.status === 'running', 'the first deploy to run');
    const second = await trigger('gh/acme/serial-b');
    // The second deploy is ready (its build passed) but waits, blocked, while the first one (6 s) runs.
    const waiting = await workflowOf(server, second, (_wf, jobs) => jobs.build?.status === 'success', 'the second build to pass');
    expect(waiting.jobs.deploy.status).toBe('blocked');
    expect((await workflowOf(server, first, () => true, 'the first workflow')).jobs.deploy.status).toBe('running');

    const a = await workflowOf(server, first);
    const b = await workflowOf(server, second);
    expect([a.workflow.status, b.workflow.status]).toEqual(['success', 'success']);
    expect(Date.parse(b.jobs.deploy.started_at)).toBeGreaterThanOrEqual(Date.parse(a.jobs.deploy.stopped_at));
  });

  it('skips an older pipeline’s job (not_run) when a newer pipeline of the project already took the group', async () => {
    // The older pipeline's deploy becomes ready (after a 2 s build) while the newer one's (8 s) still runs.
    const older = await trigger('gh/acme/serial-a', '2');
    const newer = await trigger('gh/acme/serial-a', '0', '8');
    const n = await workflowOf(
      server,
      newer,
      (_wf, jobs) => jobs.deploy?.status === 'running' || jobs.deploy?.status === 'success',
      'the newer deploy to start',
    );
    const o = await workflowOf(server, older);
    expect(o.jobs.build.status).toBe('success');
    expect(o.jobs.deploy.status).toBe('not_run');
    expect(o.jobs.deploy.started_at).toBeNull();
    expect(o.workflow.status).toBe('success');
    const done = await workflowOf(server, newer);
    expect(done.jobs.deploy.status).toBe('success');
    expect(n.jobs.deploy.started_at).toEqual(expect.any(String));
  });
});
