import type { Project } from '../../model/entities';
import type { ControlPlaneDeps } from '../deps';
import { groupBy, percentile } from './insights-metrics';
import { loadJobRuns, loadWorkflowRuns, reportingWindow, type JobRun } from './insights';
import { listJobTests } from '../jobs/job-blobs';

/** Test results are read from the newest runs only (each job's results are a blob read). */
const MAX_RUNS = 30;
const TOP = 10;

interface TestOutcome {
  run: JobRun;
  test: { name: string; classname: string; file: string; result: string; run_time: number };
}

/** The stored test results of the newest completed jobs of a project (one workflow when named). */
async function loadTests(deps: ControlPlaneDeps, project: Project, now: Date, branch: string | undefined, workflowName?: string): Promise<TestOutcome[]> {
  const runs = (await loadWorkflowRuns(deps, project.slug, reportingWindow(now, 'last-90-days'), branch))
    .filter((r) => !workflowName || r.workflow.name === workflowName)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .slice(0, MAX_RUNS);
  const jobs = await loadJobRuns(deps, runs);
  const results = await Promise.all(jobs.map(async (run) => (await listJobTests(deps, run.job)).items.map((test) => ({ run, test }))));
  return results.flat();
}

const testKey = (o: TestOutcome) => `${o.run.job.name}\u0000${o.test.classname}\u0000${o.test.name}`;

/** A test is flaky when it both passed and failed at one commit. */
function flakyKeys(outcomes: TestOutcome[]): Set<string> {
  const flaky = new Set<string>();
  for (const [key, os] of groupBy(outcomes, (o) => `${testKey(o)}\u0000${o.run.run.pipeline.vcs.revision}`)) {
    if (os.some((o) => o.test.result === 'failure') && os.some((o) => o.test.result === 'success')) flaky.add(key.split('\u0000').slice(0, 3).join('\u0000'));
  }
  return flaky;
}

/** `GET /insights/{slug}/workflows/{name}/test-metrics`, from the tests the jobs stored. */
export async function workflowTestMetrics(deps: ControlPlaneDeps, project: Project, name: string, now: Date, branch: string | undefined) {
  const outcomes = await loadTests(deps, project, now, branch, name);
  const flaky = flakyKeys(outcomes);
  const perTest = [...groupBy(outcomes, testKey)].map(([key, os]) => ({
    p95_duration: percentile(
      os.map((o) => o.test.run_time).sort((a, b) => a - b),
      95,
    ),
    total_runs: os.length,
    classname: os[0].test.classname,
    failed_runs: os.filter((o) => o.test.result === 'failure').length,
    flaky: flaky.has(key),
    source: 'unknown',
    file: os[0].test.file,
    job_name: os[0].run.job.name,
    test_name: os[0].test.name,
  }));
  const failed = perTest.filter((t) => t.failed_runs > 0).sort((a, b) => b.failed_runs - a.failed_runs);
  const slowest = [...perTest].sort((a, b) => (b.p95_duration ?? 0) - (a.p95_duration ?? 0));
  const byWorkflow = [...groupBy(outcomes, (o) => o.run.run.workflow.id)].map(([workflowId, os]) => {
    const count = (result: string) => os.filter((o) => o.test.result === result).length;
    const counts = { error: 0, failure: count('failure'), skipped: count('skipped'), success: count('success'), total: os.length };
    return {
      pipeline_number: os[0].run.run.pipeline.number,
      workflow_id: workflowId,
      success_rate: counts.total ? counts.success / counts.total : 0,
      test_counts: counts,
    };
  });
  return {
    average_test_count: byWorkflow.length ? Math.round(outcomes.length / byWorkflow.length) : 0,
    most_failed_tests: failed.slice(0, TOP),
    most_failed_tests_extra: Math.max(0, failed.length - TOP),
    slowest_tests: slowest.slice(0, TOP),
    slowest_tests_extra: Math.max(0, slowest.length - TOP),
    total_test_runs: outcomes.length,
    test_runs: byWorkflow,
  };
}

/** `GET /insights/{slug}/flaky-tests`: tests that passed and failed at one commit, over all branches. */
export async function flakyTests(deps: ControlPlaneDeps, project: Project, now: Date) {
  const outcomes = await loadTests(deps, project, now, undefined);
  const flaky = flakyKeys(outcomes);
  const items = [
    ...groupBy(
      outcomes.filter((o) => flaky.has(testKey(o))),
      testKey,
    ),
  ].map(([, os]) => {
    const newest = os.reduce((a, b) => (a.run.run.startedAt > b.run.run.startedAt ? a : b));
    const failures = os.filter((o) => o.test.result === 'failure');
    return {
      'time-wasted': Math.round(failures.reduce((s, o) => s + o.run.durationSecs, 0)),
      'workflow-created-at': newest.run.run.workflow.createdAt,
      'workflow-id': newest.run.run.workflow.id,
      classname: newest.test.classname,
      'pipeline-number': newest.run.run.pipeline.number,
      'workflow-name': newest.run.run.workflow.name,
      'test-name': newest.test.name,
      'job-name': newest.run.job.name,
      'job-number': newest.run.job.number ?? 0,
      'times-flaked': failures.length,
      source: 'unknown',
      file: newest.test.file,
    };
  });
  // The spec names the fields in kebab-case; CircleCI's live API (and the tools written against it, such as
  // its MCP server) uses snake_case. Both are sent.
  const snake = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/-/g, '_'), v]));
  const both = items.map((i) => ({ ...i, ...snake(i) }));
  return { 'flaky-tests': both, 'total-flaky-tests': items.length, flaky_tests: both, total_flaky_tests: items.length };
}
