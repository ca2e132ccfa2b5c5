import { startDevServer, type DevServer } from '../support/dev-server';
import { createTestRepo } from '../support/git-repo';
import { jobOutput, workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

// A config kept as a folder (packed at trigger time): a workspace persisted from `.` and attached at `.`, and
// a command that splices its steps parameter with `- steps: << parameters.x >>`.
const FOLDER = {
  '.circleci/config/@config.yml': 'version: 2.1\n',
  '.circleci/config/commands/with-setup.yml': `parameters:
  then: {type: steps, default: []}
steps:
  - run: echo "setting up"
  - steps: << parameters.then >>
`,
  '.circleci/config/jobs/produce.yml': `docker: [{image: cimg/base:stable}]
steps:
  - with-setup:
      then:
        - run: mkdir -p dist && echo "carried through the workspace" > dist/out.txt
  - persist_to_workspace:
      root: .
      paths: [dist]
`,
  '.circleci/config/jobs/consume.yml': `docker: [{image: cimg/base:stable}]
steps:
  - attach_workspace:
      at: .
  - run: cat dist/out.txt
`,
  '.circleci/config/workflows/main.yml': 'jobs: [produce, {consume: {requires: [produce]}}]\n',
};

// Job types that run no steps around a build job; a float and pipeline values read as CircleCI reads them.
const TYPES = {
  '.circleci/config.yml': `version: 2.1
jobs:
  build:
    docker: [{image: cimg/base:stable}]
    environment: {NODE: 18.0}
    steps:
      - run: echo "node=$NODE branch=<< pipeline.git.branch >> event=<< pipeline.event.name >> trigger=<< pipeline.trigger.type >> subject=<< pipeline.git.commit.subject >>"
  gate: {type: no-op}
  take: {type: lock, key: e2e-deploys}
  ship: {type: release, plan_name: e2e-service}
  give: {type: unlock, key: e2e-deploys}
workflows:
  main:
    jobs:
      - build
      - gate: {requires: [build]}
      - take: {requires: [gate]}
      - ship: {requires: [take]}
      - give: {requires: [{ship: [success, failed, canceled, not_run]}]}
`,
};

describe('config fidelity end to end (slipway dev)', () => {
  let server: DevServer;
  const slug = 'gh/acme/fidelity';

  const typesSlug = 'gh/acme/fidelity-types';

  beforeAll(async () => {
    server = await startDevServer();
    const typesRepo = createTestRepo(TYPES);
    expect((await server.api('POST', `/api/v2/project/${typesSlug}`, { repo_url: typesRepo.url })).status).toBe(201);
    const repo = createTestRepo(FOLDER);
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
    expect((await server.api('PATCH', `/api/v2/project/${slug}/settings`, { advanced: { config_folder: '.circleci/config' } })).status).toBe(200);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('packs the config folder and carries a workspace persisted from `.` and attached at `.`', async () => {
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    expect(trigger.status).toBe(201);
    const { jobs } = await workflowOf(server, (trigger.body as { id: string }).id);
    expect([jobs.produce.status, jobs.consume.status]).toEqual(['success', 'success']);
    expect(await jobOutput(server, slug, jobs.produce.job_number)).toContain('setting up');
    expect(await jobOutput(server, slug, jobs.consume.job_number)).toContain('carried through the workspace');
  });

  it('runs no-op, lock, release and unlock jobs without compute, in order, and reads 18.0 and pipeline values as CircleCI does', async () => {
    const trigger = await server.api('POST', `/api/v2/project/${typesSlug}/pipeline`, { branch: 'main' });
    expect(trigger.status).toBe(201);
    const { workflow, jobs } = await workflowOf(server, (trigger.body as { id: string }).id);
    expect(workflow.status).toBe('success');
    // Only `build` ran on compute (it alone has a job number); the API shows the others as `build` (its only other type is `approval`).
    expect(Object.fromEntries(Object.entries(jobs).map(([n, j]) => [n, [j.type, j.status, j.job_number === undefined]]))).toEqual({
      build: ['build', 'success', false],
      gate: ['build', 'success', true],
      take: ['build', 'success', true],
      ship: ['build', 'success', true],
      give: ['build', 'success', true],
    });
    // In order: each ended no earlier than the one it requires.
    const stopped = (n: string) => Date.parse(jobs[n].stopped_at);
    expect(['build', 'gate', 'take', 'ship', 'give'].map(stopped)).toEqual([...['build', 'gate', 'take', 'ship', 'give'].map(stopped)].sort((a, b) => a - b));
    expect(await jobOutput(server, typesSlug, jobs.build.job_number)).toContain('node=18.0 branch=main event=api trigger=api subject=');
  });
});
