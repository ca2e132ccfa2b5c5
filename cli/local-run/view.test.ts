import type { Pipeline } from '../../shared/model/entities';
import { plainView, summaryTable, type RunSummary } from './view';
import type { JobProgress, RunProgress } from './watch';

const job = (over: Partial<JobProgress>): JobProgress => ({
  id: 'j1',
  workflowId: 'w',
  workflow: 'main',
  name: 'build',
  type: 'build',
  status: 'running',
  parallelism: 1,
  ...over,
});
const progress = (jobs: JobProgress[]): RunProgress => ({ pipeline: {} as Pipeline, workflows: [], jobs, done: false });

const SUMMARY: RunSummary = {
  pipeline: { id: 'p', number: 1, state: 'created', errors: [] },
  revision: 'abc',
  dirty: false,
  dataDir: '/tmp/d',
  workflows: [{ name: 'main', status: 'failed' }],
  jobs: [
    { workflow: 'main', job: 'build', status: 'success', durationSeconds: 1.25, artifacts: '/tmp/d/jobs/main-build/artifacts', failedSteps: [], steps: [] },
    { workflow: 'main', job: 'lint', status: 'failed', durationSeconds: 75, failedSteps: [], steps: [] },
  ],
  exitCode: 1,
};

describe('plainView', () => {
  it('prints one line per status or step change, and the duration when a job ends', () => {
    const out: string[] = [];
    const view = plainView((s) => void out.push(s));
    view.update(progress([job({ status: 'queued' })]));
    view.update(progress([job({ status: 'queued' })]));
    view.update(progress([job({ step: 'Checkout code', startedAt: '2026-01-01T00:00:00Z' })]));
    view.update(progress([job({ status: 'success', step: 'Checkout code', startedAt: '2026-01-01T00:00:00Z', stoppedAt: '2026-01-01T00:00:02.5Z' })]));
    expect(out.join('')).toBe('[main/build] queued\n[main/build] running: Checkout code\n[main/build] success (2.5s)\n');
  });

  it('prints failed steps in full', () => {
    const out: string[] = [];
    plainView((s) => void out.push(s)).failed({
      workflow: 'main',
      job: 'test',
      status: 'failed',
      steps: [],
      failedSteps: [{ name: 'Run tests', task: 1, output: 'line 1\nline 2' }],
    });
    expect(out.join('')).toBe('--- main/test [1]: step "Run tests" failed ---\nline 1\nline 2\n');
  });
});

describe('summaryTable', () => {
  it('lists job, status, duration and artifacts, then the verdict', () => {
    expect(summaryTable(SUMMARY)).toBe(
      [
        'JOB         STATUS   DURATION  ARTIFACTS',
        'main/build  success  1.3s      /tmp/d/jobs/main-build/artifacts',
        'main/lint   failed   1m15s     -',
        'Failed: main (failed).',
        '',
      ].join('\n'),
    );
  });
});
