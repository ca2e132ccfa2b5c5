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
    const res = await api('POST', `/api/v2/project/${SLUG}/pipeline/run`, {
      config: { branch: 'main' },
      checkout: { branch: 'main' },
      parameters: { greeting: 'bonjour' },
    });
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

  it('exports usage as a CSV per job with resource class, run time and cost, served by a presigned link', async () => {
    const project = (await api('GET', `/api/v2/project/${SLUG}`)).body;
    const p = await api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' });
    const { jobs } = await workflowOf(server, p.body.id);
    const range = { start: new Date(Date.now() - 3_600_000).toISOString(), end: new Date(Date.now() + 60_000).toISOString() };
    const created = await api('POST', `/api/v2/organizations/${project.organization_id}/usage_export_job`, range);
    expect(created.status).toBe(201);
    const got = await api('GET', `/api/v2/organizations/${project.organization_id}/usage_export_job/${created.body.usage_export_job_id}`);
    expect(got.body).toMatchObject({ usage_export_job_id: created.body.usage_export_job_id, state: 'completed' });
    const csv = await (await fetch(got.body.download_urls[0])).text();
    const [header, ...rows] = csv
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const row = Object.fromEntries(header.map((h, i) => [h, rows.find((r) => r[4] === String(jobs.build.job_number))![i]]));
    expect(row).toMatchObject({ project_slug: SLUG, job_name: 'build', job_status: 'success', executor: 'docker', resource_class: 'medium' });
    expect(Number(row.compute_seconds)).toBeGreaterThan(0);
    // medium = 2 vCPU / 4 GB on Fargate x86: (2 × 0.04048 + 4 × 0.004445) USD an hour.
    expect(Number(row.cost_usd)).toBeCloseTo((Number(row.compute_seconds) * (2 * 0.04048 + 4 * 0.004445)) / 3600, 5);
    const tooLong = await api('POST', `/api/v2/organizations/${project.organization_id}/usage_export_job`, {
      start: '2026-10-01T00:00:00Z',
      end: '2026-11-15T00:00:00Z',
    });
    expect(tooLong.status).toBe(400);
    expect((await api('GET', `/api/v2/organizations/${project.organization_id}/usage_export_job/0b0c6b42-1f0e-4a63-9a1f-000000000000`)).status).toBe(404);
  });

  it('serves step output as plain text on the private endpoint, and names the v2 call for unknown v1.1 paths', async () => {
    const p = await api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main', parameters: { greeting: 'plain-text-please' } });
    const { jobs } = await workflowOf(server, p.body.id);
    const detail = await server.api('GET', `/api/v1.1/project/github/acme/fidelity/${jobs.build.job_number}`);
    const step = detail.body.steps.find((s: any) => s.name.includes('echo'));
    const res = await fetch(`${server.url}/api/private/output/raw/github/acme/fidelity/${jobs.build.job_number}/output/0/${step.actions[0].step}`, {
      headers: { 'Circle-Token': server.token },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toContain('plain-text-please');
    const missing = await server.api('GET', `/api/v1.1/project/github/acme/fidelity/${jobs.build.job_number}/ssh-users`);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/API v1\.1 GET .* is not available on Slipway\. The API v2 equivalent: .*enable_ssh/);
    expect((await server.api('GET', '/api/v2/project/gh/acme/fid%E0%A4%A/pipeline')).status).toBe(400);
  });
});
