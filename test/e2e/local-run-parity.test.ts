import { startDevServer, type DevServer } from '../support/dev-server';
import { createTestRepo } from '../support/git-repo';
import { runSlipway } from '../support/slipway-cli';
import { workflowOf } from './control-plane-support';

jest.setTimeout(300_000);

// A workspace, a cache, an approval, parallelism 2, a matrix, and a failing job with its on_fail step.
const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - restore_cache: { keys: ['parity-v1-'] }
      - run: mkdir -p out deps && echo built > out/result.txt && echo cached > deps/x
      - save_cache: { key: 'parity-v1-{{ .Branch }}', paths: [deps] }
      - persist_to_workspace: { root: out, paths: [result.txt] }
  test:
    docker: [{ image: cimg/base:stable }]
    parallelism: 2
    steps:
      - attach_workspace: { at: ws }
      - run: test "$(cat ws/result.txt)" = built
  flavoured:
    docker: [{ image: cimg/base:stable }]
    parameters: { flavour: { type: string } }
    steps: [{ run: echo "flavour << parameters.flavour >>" }]
  broken:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: { name: Fail on purpose, command: exit 3 }
      - run: { name: Report the failure, command: echo "on_fail ran", when: on_fail }
  after-broken:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo never }]
workflows:
  main:
    jobs:
      - build
      - test: { requires: [build] }
      - hold: { type: approval, requires: [test] }
      - flavoured: { requires: [hold], matrix: { parameters: { flavour: [sweet, sour] } } }
      - broken: { requires: [build] }
      - after-broken: { requires: [broken] }
`;

describe('slipway run and a server, for the same commit', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
  afterAll(async () => server?.stop());

  it('report the same status for every job and the same workflow status', async () => {
    server = await startDevServer();
    const slug = 'gh/acme/parity';
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
    const pipeline = (await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' })).body;
    const held = await workflowOf(server, pipeline.id, (_wf, jobs) => jobs.hold?.status === 'on_hold', 'the approval to be on hold');
    expect((await server.api('POST', `/api/v2/workflow/${held.workflow.id}/approve/${held.jobs.hold.approval_request_id}`)).status).toBe(202);
    const onServer = await workflowOf(server, pipeline.id);
    const serverStatuses = Object.fromEntries(Object.entries(onServer.jobs).map(([name, j]: [string, any]) => [name, j.status]));

    const local = await runSlipway(repo.dir, ['run', '--json', '--approve', 'all'], { SLIPWAY_TOKEN: '' });
    const summary = JSON.parse(local.out);
    const localStatuses = Object.fromEntries(summary.jobs.map((j: { job: string; status: string }) => [j.job, j.status]));
    // The server's API shows a job that never ran as blocked, as CircleCI does; the local summary says the same.
    expect(localStatuses).toEqual(serverStatuses);
    expect(serverStatuses).toMatchObject({
      build: 'success',
      test: 'success',
      hold: 'success',
      'flavoured-sweet': 'success',
      'flavoured-sour': 'success',
      broken: 'failed',
    });
    expect(summary.workflows).toEqual([{ name: 'main', status: onServer.workflow.status }]);
    expect([onServer.workflow.status, local.code]).toEqual(['failed', 1]);
    const broken = summary.jobs.find((j: { job: string }) => j.job === 'broken');
    expect(broken.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['Spin up environment', 'success'],
      ['Fail on purpose', 'failed'],
      ['Report the failure', 'success'],
    ]);
  });
});
