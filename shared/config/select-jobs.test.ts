import { compileConfig } from './compile';
import { loadFixture } from './fixtures/load-fixture';
import type { WorkflowPlan } from './plan';
import { matchesPattern, narrowJobs, selectJobs } from './select-jobs';

async function workflow(): Promise<WorkflowPlan> {
  const r = await compileConfig(loadFixture('filters'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan.workflows[0];
}
const names = (wf: WorkflowPlan, git: { branch?: string; tag?: string }): string[] => selectJobs(wf, git).map((j) => j.name);

describe('selectJobs', () => {
  it('matches /regex/ patterns against the whole value and other patterns exactly', () => {
    expect(matchesPattern('/v\\d+/', 'v12')).toBe(true);
    expect(matchesPattern('/v\\d+/', 'xv12')).toBe(false);
    expect(matchesPattern('main', 'main')).toBe(true);
    expect(matchesPattern('main', 'main2')).toBe(false);
  });

  it('runs branch jobs per branch filters and drops jobs whose upstream jobs were all removed', async () => {
    const wf = await workflow();
    expect(names(wf, { branch: 'main' })).toEqual(['build', 'test', 'main-only', 'docs', 'expr']);
    expect(names(wf, { branch: 'feature' })).toEqual(['build', 'test']);
    expect(names(wf, { branch: 'tmp-1' })).toEqual(['build']);
  });

  it('runs only tag-enabled jobs, with all their upstream jobs, for tag pushes', async () => {
    const wf = await workflow();
    expect(names(wf, { tag: 'v1.2' })).toEqual(['build', 'test', 'deploy', 'expr']);
    expect(names(wf, { tag: 'release' })).toEqual([]);
  });

  it('drops requires entries that point at jobs which do not run', async () => {
    const wf: WorkflowPlan = {
      name: 'w',
      schedules: [],
      jobs: [
        {
          name: 'a',
          definition: 'a',
          type: 'build',
          requires: [],
          contexts: [],
          filters: { branches: { only: ['main'] } },
          executor: { type: 'docker', resourceClass: 'medium', images: [] },
          environment: {},
          workingDirectory: '~/project',
          parallelism: 1,
          steps: [],
        },
        {
          name: 'b',
          definition: 'b',
          type: 'build',
          requires: [],
          contexts: [],
          executor: { type: 'docker', resourceClass: 'medium', images: [] },
          environment: {},
          workingDirectory: '~/project',
          parallelism: 1,
          steps: [],
        },
        {
          name: 'c',
          definition: 'c',
          type: 'build',
          requires: [
            { job: 'a', statuses: ['success'] },
            { job: 'b', statuses: ['success'] },
          ],
          contexts: [],
          executor: { type: 'docker', resourceClass: 'medium', images: [] },
          environment: {},
          workingDirectory: '~/project',
          parallelism: 1,
          steps: [],
        },
      ],
    };
    const selected = selectJobs(wf, { branch: 'dev' });
    expect(selected.map((j) => [j.name, j.requires.map((r) => r.job)])).toEqual([
      ['b', []],
      ['c', ['b']],
    ]);
    expect(wf.jobs[2].requires).toHaveLength(2);
  });

  it('narrows to the named jobs and, transitively, the jobs they require', async () => {
    const wf = await workflow();
    expect(narrowJobs(wf.jobs, ['docs']).map((j) => j.name)).toEqual(['build', 'main-only', 'docs']);
    expect(narrowJobs(wf.jobs, undefined)).toBe(wf.jobs);
    expect(narrowJobs(wf.jobs, ['nope'])).toEqual([]);
  });

  it('narrows to the named jobs alone, their requires dropped, for a replay', async () => {
    const wf = await workflow();
    const docs = narrowJobs(wf.jobs, ['docs'], true);
    expect(docs.map((j) => [j.name, j.requires])).toEqual([['docs', []]]);
    expect(wf.jobs.find((j) => j.name === 'docs')!.requires.length).toBeGreaterThan(0);
  });
});
