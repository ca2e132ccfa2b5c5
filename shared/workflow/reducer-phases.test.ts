import { aJob, aJobPlan, aWorkflow } from '../model/fixtures';
import type { JobStatus } from '../model/statuses';
import { aggregateTasks, reduceWorkflow } from './reducer';

/** A job with one task per status. */
function withTasks(statuses: JobStatus[]) {
  const job = aJob(aWorkflow(), { status: 'running', plan: aJobPlan({ parallelism: statuses.length }) });
  job.tasks = statuses.map((status, index) => ({ index, status, attempt: 0, steps: [] }));
  return job;
}

describe('settling a job from its tasks', () => {
  it.each<[JobStatus[], JobStatus | undefined]>([
    [['success', 'running'], undefined],
    [['success', 'queued'], undefined],
    [['success', 'success'], 'success'],
    [['success', 'not_run'], 'not_run'],
    [['success', 'canceled'], 'canceled'],
    [['canceled', 'unauthorized'], 'unauthorized'],
    [['infrastructure_fail', 'unauthorized'], 'infrastructure_fail'],
    [['timedout', 'infrastructure_fail'], 'timedout'],
    [['infrastructure_fail', 'failed', 'timedout'], 'failed'],
  ])('tasks %j make the job %s', (statuses, expected) => {
    expect(aggregateTasks(withTasks(statuses))).toBe(expected);
  });

  it('leaves a running job whose tasks still run, and starts nothing twice', () => {
    const workflow = aWorkflow();
    const job = withTasks(['running', 'success']);
    const r = reduceWorkflow({ workflow, jobs: [{ ...job, workflowId: workflow.id }] }, { type: 'TaskFinished', jobId: job.id });
    expect(r.commands).toEqual([]);
  });
});

describe('advancing blocked jobs', () => {
  it('does not wait for an upstream job that the filters left out of the workflow', () => {
    const workflow = aWorkflow();
    const deploy = aJob(workflow, { name: 'deploy', plan: aJobPlan({ name: 'deploy', requires: [{ job: 'filtered-out', statuses: ['success'] }] }) });
    expect(reduceWorkflow({ workflow, jobs: [deploy] }, { type: 'WorkflowCreated' }).commands).toEqual([{ type: 'QueueJob', jobId: deploy.id }]);
  });

  it('settles a chain in one round: a skipped job skips its dependents, and the workflow ends', () => {
    const workflow = aWorkflow();
    const a = aJob(workflow, { name: 'a', status: 'failed' });
    const b = aJob(workflow, { name: 'b', plan: aJobPlan({ name: 'b', requires: [{ job: 'a', statuses: ['success'] }] }) });
    const c = aJob(workflow, { name: 'c', plan: aJobPlan({ name: 'c', requires: [{ job: 'b', statuses: ['success'] }] }) });
    const r = reduceWorkflow({ workflow, jobs: [c, b, a] }, { type: 'Reconcile' });
    expect(r.commands).toEqual([
      { type: 'SkipJob', jobId: b.id },
      { type: 'SkipJob', jobId: c.id },
      { type: 'SetWorkflowStatus', from: 'running', status: 'failed' },
    ]);
  });
});
