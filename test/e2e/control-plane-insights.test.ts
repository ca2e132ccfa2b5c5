import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { workflowOf } from './control-plane-support';

jest.setTimeout(120_000);

const CONFIG = `version: 2.1
parameters:
  fail: { type: boolean, default: false }
jobs:
  unit:
    docker: [{ image: cimg/base:stable }]
    steps:
      - checkout
      - run: sleep 1 && mkdir -p results && cp junit.xml results/
      - store_test_results: { path: results }
  lint:
    docker: [{ image: cimg/base:stable }]
    parameters:
      fail: { type: boolean, default: false }
    steps:
      - run: test "<< parameters.fail >>" = false
workflows:
  main:
    jobs:
      - unit
      - lint: { requires: [unit], fail: << pipeline.parameters.fail >> }
`;
const JUNIT = `<?xml version="1.0"?>
<testsuite name="math" tests="2">
  <testcase classname="math" name="adds" file="math.test.js" time="0.5"/>
  <testcase classname="math" name="divides" file="math.test.js" time="1.5"/>
</testsuite>
`;

describe('insights (computed from stored workflows and jobs, through the HTTP API)', () => {
  let server: DevServer;
  let api: DevServer['api'];
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'junit.xml': JUNIT });
  const slug = 'gh/acme/insights';
  const get = async (path: string) => {
    const res = await api('GET', path);
    expect([path, res.status]).toEqual([path, 200]);
    return res.body;
  };

  beforeAll(async () => {
    server = await startDevServer();
    api = checkedApi(server);
    repo.git('branch', 'feature');
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
    const runs: Array<[string, boolean]> = [
      ['main', false],
      ['main', true],
      ['main', false],
      ['feature', false],
    ];
    for (const [branch, fail] of runs) {
      const res = await api('POST', `/api/v2/project/${slug}/pipeline`, { branch, parameters: { fail } });
      await workflowOf(server, res.body.id);
    }
  }, 120_000);
  afterAll(async () => server?.stop());

  it('summarises a workflow on the default branch: counts, success rate, durations', async () => {
    const body = await get(`/api/v2/insights/${slug}/workflows?reporting-window=last-24-hours`);
    expect(body.items).toHaveLength(1);
    const [main] = body.items;
    expect(main.name).toBe('main');
    expect(main.metrics).toMatchObject({
      total_runs: 3,
      successful_runs: 2,
      failed_runs: 1,
      total_credits_used: 0,
      mttr: expect.any(Number),
      total_recoveries: 1,
    });
    expect(main.metrics.success_rate).toBeCloseTo(2 / 3);
    const d = main.metrics.duration_metrics;
    expect(d.min).toBeGreaterThanOrEqual(1);
    expect(d.min).toBeLessThanOrEqual(d.median);
    expect(d.median).toBeLessThanOrEqual(d.max);
    expect(d.p95).toBe(d.max);
    expect(d.standard_deviation).toEqual(expect.any(Number));
    const all = await get(`/api/v2/insights/${slug}/workflows?all-branches=true`);
    expect(all.items[0].metrics.total_runs).toBe(4);
    const feature = await get(`/api/v2/insights/${slug}/workflows?branch=feature`);
    expect(feature.items[0].metrics).toMatchObject({ total_runs: 1, success_rate: 1 });
    expect((await api('GET', `/api/v2/insights/${slug}/workflows?reporting-window=last-year`)).status).toBe(400);
  });

  it('lists recent runs newest first, per-job metrics and the workflow summary with trends', async () => {
    const runs = await get(`/api/v2/insights/${slug}/workflows/main`);
    expect(runs.items.map((r: any) => r.status)).toEqual(['success', 'failed', 'success']);
    expect(runs.next_page_token).toBeNull();
    for (const r of runs.items) expect(r.duration).toBe(Math.round((Date.parse(r.stopped_at) - Date.parse(r.created_at)) / 1000));

    const jobs = await get(`/api/v2/insights/${slug}/workflows/main/jobs`);
    const byName = Object.fromEntries(jobs.items.map((j: any) => [j.name, j.metrics]));
    expect(byName.unit).toMatchObject({ total_runs: 3, successful_runs: 3, failed_runs: 0, success_rate: 1 });
    expect(byName.lint).toMatchObject({ total_runs: 3, successful_runs: 2, failed_runs: 1 });
    expect(byName.unit.duration_metrics.min).toBeGreaterThanOrEqual(1);
    expect((await get(`/api/v2/insights/${slug}/workflows/main/jobs?job-name=lint`)).items.map((j: any) => j.name)).toEqual(['lint']);

    const summary = await get(`/api/v2/insights/${slug}/workflows/main/summary`);
    expect(summary.metrics).toMatchObject({ total_runs: 3, completed_runs: 3, successful_runs: 2, failed_runs: 1 });
    expect(summary.trends.total_runs).toBe(0);
    expect(summary.workflow_names).toEqual(['main']);

    const series = await get(`/api/v2/insights/time-series/${slug}/workflows/main/jobs?granularity=hourly`);
    expect(series.items.map((i: any) => i.name).sort()).toEqual(['lint', 'unit']);
    expect(series.items.find((i: any) => i.name === 'unit').metrics.total_runs).toBe(3);
  });

  it('serves the project and organisation pages, branches, test metrics and flaky tests', async () => {
    const page = await get(`/api/v2/insights/pages/${slug}/summary?reporting-window=last-7-days`);
    expect(page.project_data.metrics.total_runs).toBe(4);
    expect(page.project_data.metrics.success_rate).toBeCloseTo(3 / 4);
    expect(page.all_branches).toEqual(['feature', 'main']);
    expect(page.project_workflow_branch_data.map((b: any) => [b.branch, b.metrics.total_runs]).sort()).toEqual([
      ['feature', 1],
      ['main', 3],
    ]);
    const org = await get('/api/v2/insights/gh/acme/summary');
    expect(org.org_data.metrics.total_runs).toBe(4);
    expect(org.all_projects).toEqual(['insights']);
    expect((await get(`/api/v2/insights/${slug}/branches?workflow-name=main`)).branches).toEqual(['feature', 'main']);

    const tests = await get(`/api/v2/insights/${slug}/workflows/main/test-metrics`);
    expect(tests.total_test_runs).toBe(6);
    expect(tests.average_test_count).toBe(2);
    expect(tests.slowest_tests[0]).toMatchObject({ test_name: 'divides', job_name: 'unit', total_runs: 3, failed_runs: 0, flaky: false });
    expect(tests.test_runs).toHaveLength(3);
    expect(await get(`/api/v2/insights/${slug}/flaky-tests`)).toEqual({ 'flaky-tests': [], 'total-flaky-tests': 0, flaky_tests: [], total_flaky_tests: 0 });
  });

  it('reads one project variable, masked', async () => {
    expect((await api('POST', `/api/v2/project/${slug}/envvar`, { name: 'DEPLOY_KEY', value: 'abcdef1234' })).status).toBe(201);
    expect(await get(`/api/v2/project/${slug}/envvar/DEPLOY_KEY`)).toMatchObject({ name: 'DEPLOY_KEY', value: 'xxxx1234' });
    const missing = await api('GET', `/api/v2/project/${slug}/envvar/NOPE`);
    expect([missing.status, missing.body.message]).toEqual([404, expect.stringMatching(/NOPE not found/)]);
  });
});
