import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { jobOutput, workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

const CONFIG = `version: 2.1
parameters:
  greeting: { type: string, default: hello }
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo << pipeline.parameters.greeting >>
workflows:
  main: { jobs: [build] }
`;
const SLUG = 'gh/acme/fidelity';

describe('API v2 as CircleCI answers it (slipway dev)', () => {
  let server: DevServer;
  let api: DevServer['api'];
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG });

  beforeAll(async () => {
    server = await startDevServer();
    api = checkedApi(server);
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url })).status).toBe(201);
  });
  afterAll(async () => server?.stop());

  it('answers 400 "Branch not found" for a trigger on a branch the repository does not have, and creates nothing', async () => {
    const res = await api('POST', `/api/v2/project/${encodeURIComponent(SLUG)}/pipeline`, { branch: 'no-such-branch' });
    expect(res).toEqual({ status: 400, body: { message: 'Branch not found' } });
    expect((await api('GET', `/api/v2/project/${SLUG}/pipeline`)).body.items).toEqual([]);
    expect((await api('POST', `/api/v2/project/github/acme/fidelity/pipeline`, { tag: 'v9' })).body).toEqual({ message: 'Tag not found' });
  });

  it('runs a pipeline through pipeline/run with config, checkout and parameters', async () => {
    const res = await api('POST', `/api/v2/project/${SLUG}/pipeline/run`, { config: { branch: 'main' }, checkout: { branch: 'main' }, parameters: { greeting: 'bonjour' } });
    expect(res.status).toBe(201);
    const { workflow, jobs } = await workflowOf(server, res.body.id);
    expect(workflow.status).toBe('success');
    expect(await jobOutput(server, SLUG, jobs.build.job_number)).toContain('bonjour');
    const other = await api('POST', `/api/v2/project/${SLUG}/pipeline/run`, { definition_id: '2338d0ae-5541-4bbf-88a2-55e9f7281f80' });
    expect(other.status).toBe(404);
    expect(other.body.message).toMatch(/Pipeline definition 2338d0ae-5541-4bbf-88a2-55e9f7281f80 not found: gh\/acme\/fidelity has one, [0-9a-f-]{36}/);
    const mixed = await api('POST', `/api/v2/project/${SLUG}/pipeline/run`, { config: { branch: 'main' }, checkout: { tag: 'v1' } });
    expect(mixed.status).toBe(400);
    expect((await api('POST', `/api/v2/project/${SLUG}/pipeline/run`, { config: { branch: 'gone' } })).body).toEqual({ message: 'Branch not found' });
  });

  it('creates a project from a bodyless POST only when a VCS integration can name its repository', async () => {
    const res = await api('POST', '/api/v2/project/gh/acme/another');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/No GitHub App is configured.*SLIPWAY_GITHUB_APP_ID.*repo_url/);
  });

  it('answers 200 to a job cancel by number, as the spec says', async () => {
    const p = await api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' });
    const { jobs } = await workflowOf(server, p.body.id);
    const res = await api('POST', `/api/v2/project/${SLUG}/job/${jobs.build.job_number}/cancel`);
    expect(res).toEqual({ status: 200, body: { message: 'Job cancellation requested.' } });
  });
});
