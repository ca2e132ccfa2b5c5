import type { Job } from '../model/entities';
import { aJob, aJobPlan, aWorkflow } from '../model/fixtures';
import type { SerialGroupEntry, SerialGroupLock } from '../model/entities';
import { reduceWorkflow, serialGroupKeyOf, type WorkflowEvent, type WorkflowState } from './reducer';

const KEY = 'gh/acme/deploys';
const TICK: WorkflowEvent = { type: 'Reconcile' };

/** A workflow of pipeline `number` whose `deploy` job (serial group `deploys`) follows `build` in `buildStatus`. */
function deployWorkflow(number: number, buildStatus: Job['status'] = 'success', project = 'gh/acme/app'): WorkflowState {
  const workflow = aWorkflow({ pipelineNumber: number, projectSlug: project });
  const build = aJob(workflow, { name: 'build', status: buildStatus });
  const deploy = aJob(workflow, { plan: aJobPlan({ name: 'deploy', serialGroup: 'deploys', requires: [{ job: 'build', statuses: ['success'] }] }) });
  const after = aJob(workflow, { plan: aJobPlan({ name: 'after', requires: [{ job: 'deploy', statuses: ['success'] }] }) });
  return { workflow, jobs: [build, deploy, after] };
}

const entry = (jobId: string, pipelineNumber: number, projectSlug = 'gh/acme/app'): SerialGroupEntry => ({
  jobId,
  workflowId: 'other',
  projectSlug,
  pipelineNumber,
  since: '2026-01-01T00:00:00Z',
});
const lock = (holder?: SerialGroupEntry, waiters: SerialGroupEntry[] = []): Record<string, SerialGroupLock> => ({
  [KEY]: { key: KEY, holder, waiters, version: 3 },
});
const job = (s: WorkflowState, name: string) => s.jobs.find((j) => j.name === name)!;

/** Reduces, then checks that reducing the outcome again (a duplicate delivery) yields nothing more. */
function reduceOnce(state: WorkflowState, event: WorkflowEvent = TICK) {
  const r = reduceWorkflow(state, event);
  expect(reduceWorkflow(r.state, event).commands).toEqual([]);
  return r;
}

describe('reduceWorkflow serial groups', () => {
  it('keys a group by the organisation, so projects of one organisation share it', () => {
    expect(serialGroupKeyOf(job(deployWorkflow(1), 'deploy'))).toBe(KEY);
    expect(serialGroupKeyOf(job(deployWorkflow(1, 'success', 'gh/acme/other'), 'deploy'))).toBe(KEY);
    expect(serialGroupKeyOf(job(deployWorkflow(1), 'build'))).toBeUndefined();
  });

  it('takes a free group and queues the job when it is ready', () => {
    const state = deployWorkflow(5);
    const r = reduceOnce({ ...state, serialGroups: lock() });
    expect(r.commands).toEqual([{ type: 'AcquireSerialGroup', jobId: job(state, 'deploy').id, key: KEY }]);
    expect(job(r.state, 'deploy').status).toBe('queued');
    expect(r.state.serialGroups![KEY].holder?.jobId).toBe(job(state, 'deploy').id);
  });

  it('waits (blocked, in line once) while an older pipeline’s job holds the group', () => {
    const state = deployWorkflow(5);
    const r = reduceOnce({ ...state, serialGroups: lock(entry('older', 4)) });
    expect(r.commands).toEqual([
      { type: 'WaitSerialGroup', jobId: job(state, 'deploy').id, key: KEY, heldBy: { jobId: 'older', pipelineNumber: 4, projectSlug: 'gh/acme/app' } },
    ]);
    expect(job(r.state, 'deploy').status).toBe('blocked');
    expect(r.state.workflow.status).toBe('running');
  });

  it('runs the first in line once the group is free, and makes later arrivals wait behind it', () => {
    const state = deployWorkflow(5);
    const deployId = job(state, 'deploy').id;
    const first = reduceOnce({ ...state, serialGroups: lock(undefined, [entry(deployId, 5), entry('later', 6, 'gh/acme/web')]) });
    expect(first.commands).toEqual([{ type: 'AcquireSerialGroup', jobId: deployId, key: KEY }]);
    const behind = reduceOnce({ ...state, serialGroups: lock(undefined, [entry('ahead', 2, 'gh/acme/web')]) });
    expect(behind.commands).toEqual([expect.objectContaining({ type: 'WaitSerialGroup', jobId: deployId })]);
  });

  it('skips the job (not_run, with the reason) and its dependents when a newer pipeline of the project holds or waits for the group', () => {
    for (const groups of [lock(entry('newer', 7)), lock(entry('other-project', 1, 'gh/acme/web'), [entry('newer', 7)])]) {
      const state = deployWorkflow(5);
      const r = reduceOnce({ ...state, serialGroups: groups });
      expect(r.commands[0]).toEqual({
        type: 'SkipJob',
        jobId: job(state, 'deploy').id,
        reason: expect.stringMatching(/pipeline 7 .*newer.*serial group deploys/),
      });
      expect([job(r.state, 'deploy').status, job(r.state, 'after').status]).toEqual(['not_run', 'not_run']);
      expect(r.state.workflow.status).toBe('success');
    }
  });

  it('does not skip for a newer pipeline number of another project: it waits in arrival order', () => {
    const r = reduceOnce({ ...deployWorkflow(5), serialGroups: lock(entry('web', 90, 'gh/acme/web')) });
    expect(r.commands).toEqual([expect.objectContaining({ type: 'WaitSerialGroup' })]);
  });

  it('releases the group when the holding job ends, before the workflow ends', () => {
    const state = deployWorkflow(5);
    const deploy = job(state, 'deploy');
    deploy.status = 'running';
    deploy.tasks = deploy.tasks.map((t) => ({ ...t, status: 'failed' }));
    const r = reduceOnce({ ...state, serialGroups: lock(entry(deploy.id, 5)) });
    expect(r.commands.map((c) => c.type)).toEqual(['FinishJob', 'SkipJob', 'ReleaseSerialGroup', 'SetWorkflowStatus']);
    expect(r.commands[2]).toEqual({ type: 'ReleaseSerialGroup', jobId: deploy.id, key: KEY });
    expect(r.state.serialGroups![KEY].holder).toBeUndefined();
  });

  it('releases the group and the place in line when the workflow is canceled', () => {
    const state = deployWorkflow(5);
    const deploy = job(state, 'deploy');
    const r = reduceOnce({ ...state, serialGroups: lock(entry('older', 4), [entry(deploy.id, 5)]) }, { type: 'WorkflowCancelRequested', by: 'u' });
    expect(r.commands.map((c) => c.type)).toEqual(['CancelJob', 'CancelJob', 'ReleaseSerialGroup', 'SetWorkflowStatus']);
    expect(r.state.serialGroups![KEY].waiters).toEqual([]);
  });

  it('lets only one of two ready jobs of one workflow take the group', () => {
    const workflow = aWorkflow({ pipelineNumber: 3, projectSlug: 'gh/acme/app' });
    const one = aJob(workflow, { plan: aJobPlan({ name: 'one', serialGroup: 'deploys' }) });
    const two = aJob(workflow, { plan: aJobPlan({ name: 'two', serialGroup: 'deploys' }) });
    const r = reduceOnce({ workflow, jobs: [one, two], serialGroups: lock() });
    expect(r.commands).toEqual([
      { type: 'AcquireSerialGroup', jobId: one.id, key: KEY },
      expect.objectContaining({ type: 'WaitSerialGroup', jobId: two.id, heldBy: expect.objectContaining({ jobId: one.id }) }),
    ]);
  });
});
