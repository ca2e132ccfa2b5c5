import type { Job } from '../model/entities';
import { aJob, aJobPlan, aWorkflow } from '../model/fixtures';
import type { JobStatus, WorkflowStatus } from '../model/statuses';
import { reduceWorkflow, workflowStatusOf, type WorkflowEvent, type WorkflowState } from './reducer';

/** A two-job chain `a → b` with `a` in the given state. */
function chain(aStatus: JobStatus, taskStatus: JobStatus = aStatus, extra: Partial<Job> = {}): WorkflowState {
  const workflow = aWorkflow();
  const a = aJob(workflow, { name: 'a', status: aStatus, ...extra });
  a.tasks = a.tasks.map((t) => ({ ...t, status: taskStatus }));
  const b = aJob(workflow, { name: 'b', plan: aJobPlan({ name: 'b', requires: [{ job: 'a', statuses: ['success'] }] }) });
  return { workflow, jobs: [a, b] };
}

const TICK: WorkflowEvent = { type: 'TaskFinished', jobId: 'any' };
const statusOf = (s: WorkflowState, name: string) => s.jobs.find((j) => j.name === name)!.status;

/** Reduces, then checks that the same event again (a duplicate delivery) yields nothing. */
function reduceOnce(state: WorkflowState, event: WorkflowEvent) {
  const r = reduceWorkflow(state, event);
  expect(reduceWorkflow(r.state, event).commands).toEqual([]);
  return r;
}

describe('reduceWorkflow transitions', () => {
  it.each<[JobStatus, JobStatus]>([
    ['success', 'queued'],
    ['failed', 'not_run'],
    ['timedout', 'not_run'],
    ['infrastructure_fail', 'not_run'],
    ['canceled', 'not_run'],
  ])('a running job whose tasks ended %s finishes so, and its dependent becomes %s', (taskStatus, dependent) => {
    const r = reduceOnce(chain('running', taskStatus), TICK);
    expect(r.commands[0]).toEqual(expect.objectContaining({ type: 'FinishJob', from: 'running', status: taskStatus }));
    expect(statusOf(r.state, 'a')).toBe(taskStatus);
    expect(statusOf(r.state, 'b')).toBe(dependent);
  });

  it('starts a queued job once one of its tasks runs (queued → running)', () => {
    const r = reduceOnce(chain('queued', 'running'), TICK);
    expect(r.commands).toEqual([{ type: 'StartJob', jobId: r.state.jobs[0].id }]);
    expect(statusOf(r.state, 'a')).toBe('running');
  });

  it('finishes a queued job directly when its task-finished event overtook the start (out of order)', () => {
    const r = reduceOnce(chain('queued', 'success'), TICK);
    expect(r.commands[0]).toEqual(expect.objectContaining({ type: 'FinishJob', from: 'queued', status: 'success' }));
    expect(statusOf(r.state, 'b')).toBe('queued');
  });

  it('treats an unauthorized job as a failure: dependents not_run, workflow failed', () => {
    const r = reduceOnce(chain('unauthorized', 'blocked'), TICK);
    expect(statusOf(r.state, 'b')).toBe('not_run');
    expect(r.state.workflow.status).toBe('failed');
  });

  it('cancels a queued or running job on request; a cancel of a finished job changes nothing', () => {
    for (const from of ['queued', 'running', 'on_hold', 'blocked'] as JobStatus[]) {
      const s = chain(from, from === 'on_hold' ? 'blocked' : from);
      const r = reduceOnce(s, { type: 'JobCancelRequested', jobId: s.jobs[0].id, by: 'u' });
      expect(r.commands[0]).toEqual({ type: 'CancelJob', jobId: s.jobs[0].id, from, by: 'u' });
      expect(statusOf(r.state, 'b')).toBe('not_run');
      expect(r.state.workflow.status).toBe('canceled');
    }
    const done = chain('success');
    expect(reduceWorkflow(done, { type: 'JobCancelRequested', jobId: done.jobs[0].id, by: 'u' }).commands.some((c) => c.type === 'CancelJob')).toBe(false);
  });

  it('never runs what follows a canceled approval', () => {
    const workflow = aWorkflow({ status: 'on_hold' });
    const hold = aJob(workflow, { name: 'hold', type: 'approval', status: 'on_hold', plan: aJobPlan({ name: 'hold', type: 'approval' }) });
    const deploy = aJob(workflow, { name: 'deploy', plan: aJobPlan({ name: 'deploy', requires: [{ job: 'hold', statuses: ['success'] }] }) });
    const r = reduceOnce({ workflow, jobs: [hold, deploy] }, { type: 'JobCancelRequested', jobId: hold.id, by: 'u' });
    expect(statusOf(r.state, 'deploy')).toBe('not_run');
    expect(r.state.workflow.status).toBe('canceled');
    // An approval arriving after the cancel (reordered) changes nothing.
    expect(reduceWorkflow(r.state, { type: 'JobApproved', jobId: hold.id, by: 'u' }).commands).toEqual([]);
  });

  it('ignores an approval of a job that is not an approval job or not on hold', () => {
    const s = chain('running');
    expect(reduceWorkflow(s, { type: 'JobApproved', jobId: s.jobs[0].id, by: 'u' }).commands).toEqual([]);
    expect(reduceWorkflow(s, { type: 'JobApproved', jobId: 'unknown', by: 'u' }).commands).toEqual([]);
  });

  it('reruns a failed job automatically up to max_auto_reruns, then fails it', () => {
    const s = chain('running', 'failed', { plan: aJobPlan({ name: 'a', maxAutoReruns: 1, parallelism: 2 }) });
    s.jobs[0].tasks = [
      { index: 0, status: 'success', attempt: 0, steps: [] },
      { index: 1, status: 'failed', attempt: 0, steps: [] },
    ];
    const retry = reduceOnce(s, TICK);
    expect(retry.commands).toEqual([{ type: 'RetryJob', jobId: s.jobs[0].id, from: 'running', taskIndexes: [1] }]);
    expect(statusOf(retry.state, 'a')).toBe('queued');
    expect(retry.state.jobs[0].tasks[1]).toEqual(expect.objectContaining({ status: 'queued', attempt: 1 }));
    const again = {
      ...retry.state,
      jobs: retry.state.jobs.map((j, i) =>
        i === 0 ? { ...j, status: 'running' as const, tasks: j.tasks.map((t) => ({ ...t, status: t.index === 1 ? ('failed' as const) : t.status })) } : j,
      ),
    };
    const failed = reduceOnce(again, TICK);
    expect(failed.commands[0]).toEqual(expect.objectContaining({ type: 'FinishJob', status: 'failed' }));
  });

  it('changes nothing once the workflow is terminal, whatever arrives', () => {
    const s = chain('running', 'success');
    s.workflow.status = 'canceled';
    const events: WorkflowEvent[] = [
      TICK,
      { type: 'Reconcile' },
      { type: 'WorkflowCreated' },
      { type: 'WorkflowCancelRequested', by: 'u' },
      { type: 'JobCancelRequested', jobId: s.jobs[0].id, by: 'u' },
    ];
    for (const e of events) expect(reduceWorkflow(s, e).commands).toEqual([]);
  });

  it('converges to the same state whatever order the events of a fan-out arrive in', () => {
    const workflow = aWorkflow();
    const mk = (name: string, requires: string[]) =>
      aJob(workflow, { name, plan: aJobPlan({ name, requires: requires.map((job) => ({ job, statuses: ['success'] })) }) });
    const jobs = [mk('a', []), mk('b', ['a']), mk('c', ['a']), mk('d', ['b', 'c'])];
    let s = reduceWorkflow({ workflow, jobs }, { type: 'WorkflowCreated' }).state;
    const done = (st: WorkflowState, names: string[]) => ({
      ...st,
      jobs: st.jobs.map((j) => (names.includes(j.name) ? { ...j, tasks: j.tasks.map((t) => ({ ...t, status: 'success' as const })) } : j)),
    });
    s = reduceWorkflow(done(s, ['a']), TICK).state;
    const bFirst = reduceWorkflow(reduceWorkflow(done(s, ['b']), TICK).state, TICK).state;
    const both = reduceWorkflow(done(bFirst, ['c']), TICK).state;
    const cFirst = reduceWorkflow(done(reduceWorkflow(done(s, ['c']), TICK).state, ['b']), TICK).state;
    expect(both.jobs.map((j) => j.status)).toEqual(cFirst.jobs.map((j) => j.status));
    expect(statusOf(both, 'd')).toBe('queued');
  });
});

describe('workflowStatusOf', () => {
  const jobsWith = (...statuses: JobStatus[]) => {
    const wf = aWorkflow();
    return statuses.map((status) => aJob(wf, { status }));
  };
  it.each<[JobStatus[], WorkflowStatus, WorkflowStatus]>([
    [['queued', 'blocked'], 'running', 'running'],
    [['on_hold', 'success'], 'running', 'on_hold'],
    [['on_hold', 'running'], 'on_hold', 'running'],
    [['failed', 'running'], 'running', 'failing'],
    [['timedout', 'on_hold'], 'running', 'failing'],
    [['success', 'not_run'], 'running', 'success'],
    [['failed', 'not_run'], 'failing', 'failed'],
    [['infrastructure_fail', 'success'], 'running', 'failed'],
    [['canceled', 'success'], 'running', 'canceled'],
    [['not_run', 'not_run'], 'running', 'not_run'],
    [['running'], 'error', 'error'],
    [['running'], 'canceled', 'canceled'],
  ])('jobs %j in a %s workflow → %s', (statuses, current, expected) => {
    expect(workflowStatusOf(jobsWith(...statuses), current)).toBe(expected);
  });
});
