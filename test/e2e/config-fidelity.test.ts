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

describe('config fidelity end to end (slipway dev)', () => {
  let server: DevServer;
  const slug = 'gh/acme/fidelity';

  beforeAll(async () => {
    server = await startDevServer();
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
});
