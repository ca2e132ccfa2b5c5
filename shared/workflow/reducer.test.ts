import type { RequiredStatus } from '../config/plan';
import type { Job } from '../model/entities';
import { aJob, aJobPlan, aWorkflow } from '../model/fixtures';
import type { JobStatus } from '../model/statuses';
import { reduceWorkflow, type WorkflowCommand, type WorkflowEvent, type WorkflowState } from './reducer';

function dag(spec: Array<[name: string, requires: Array<string | [string, RequiredStatus[]]>, type?: 'approval']>): WorkflowState {
  const workflow = aWorkflow();
  const jobs = spec.map(([name, requires, type]) =>
    aJob(workflow, {
      name,
      type: type ?? 'build',
      plan: aJobPlan({
        name,
        type: type ?? 'build',
        requires: requires.map((r) => (typeof r === 'string' ? { job: r, statuses: ['success'] } : { job: r[0], statuses: r[1] })),
      }),
    }),
  );
  return { workflow, jobs };
}

/** Applies the commands' effects as the conductor would, plus tasks finishing with the given status. */
function finish(state: WorkflowState, name: string, status: JobStatus): WorkflowState {
  return {
    ...state,
    jobs: state.jobs.map((j) => (j.name === name ? { ...j, status: 'running', tasks: j.tasks.map((t) => ({ ...t, status })) } : j)),
  };
}

const named = (state: WorkflowState, cmds: WorkflowCommand[]) =>
  cmds.map((c) => `${c.type}${'jobId' in c ? ':' + state.jobs.find((j: Job) => j.id === c.jobId)!.name : ''}${'status' in c ? '>' + c.status : ''}`);

describe('reduceWorkflow', () => {
  it('queues the roots when a workflow is created and waits for dependencies', () => {
    const s = dag([
      ['a', []],
      ['b', ['a']],
      ['c', []],
    ]);
    const { commands, state } = reduceWorkflow(s, { type: 'WorkflowCreated' });
    expect(named(s, commands)).toEqual(['QueueJob:a', 'QueueJob:c']);
    expect(state.workflow.status).toBe('running');
  });

  it('fans out and in: the join job runs only after every upstream succeeded', () => {
    let s = reduceWorkflow(
      dag([
        ['a', []],
        ['b', ['a']],
        ['c', ['a']],
        ['d', ['b', 'c']],
      ]),
      { type: 'WorkflowCreated' },
    ).state;
    let r = reduceWorkflow(finish(s, 'a', 'success'), { type: 'TaskFinished', jobId: '' });
    expect(named(s, r.commands)).toEqual(['FinishJob:a>success', 'QueueJob:b', 'QueueJob:c']);
    s = finish(r.state, 'b', 'success');
    r = reduceWorkflow(s, { type: 'TaskFinished', jobId: '' });
    expect(named(s, r.commands)).toEqual(['FinishJob:b>success']);
    r = reduceWorkflow(finish(r.state, 'c', 'success'), { type: 'TaskFinished', jobId: '' });
    expect(named(s, r.commands)).toEqual(['FinishJob:c>success', 'QueueJob:d']);
    r = reduceWorkflow(finish(r.state, 'd', 'success'), { type: 'TaskFinished', jobId: '' });
    expect(named(s, r.commands)).toEqual(['FinishJob:d>success', 'SetWorkflowStatus>success']);
  });

  it('marks dependents of a failed job not_run, transitively, and fails the workflow', () => {
    const s = reduceWorkflow(
      dag([
        ['a', []],
        ['b', ['a']],
        ['c', ['b']],
        ['x', []],
      ]),
      { type: 'WorkflowCreated' },
    ).state;
    const r = reduceWorkflow(finish(s, 'a', 'failed'), { type: 'TaskFinished', jobId: '' });
    expect(named(s, r.commands)).toEqual(['FinishJob:a>failed', 'SkipJob:b', 'SkipJob:c', 'SetWorkflowStatus>failing']);
    const done = reduceWorkflow(finish(r.state, 'x', 'success'), { type: 'TaskFinished', jobId: '' });
    expect(done.state.workflow.status).toBe('failed');
  });

  it('runs a job that requires a failure when its upstream failed, and skips it on success', () => {
    const s = reduceWorkflow(
      dag([
        ['a', []],
        ['cleanup', [['a', ['failed']]]],
        ['always', [['a', ['success', 'failed']]]],
      ]),
      { type: 'WorkflowCreated' },
    ).state;
    const failed = reduceWorkflow(finish(s, 'a', 'failed'), { type: 'TaskFinished', jobId: '' });
    expect(named(s, failed.commands)).toEqual(['FinishJob:a>failed', 'QueueJob:cleanup', 'QueueJob:always', 'SetWorkflowStatus>failing']);
    const ok = reduceWorkflow(finish(s, 'a', 'success'), { type: 'TaskFinished', jobId: '' });
    expect(named(s, ok.commands)).toEqual(['FinishJob:a>success', 'SkipJob:cleanup', 'QueueJob:always']);
  });

  it('holds an approval job, puts the workflow on hold, and continues once approved', () => {
    const s0 = dag([
      ['hold', [], 'approval'],
      ['deploy', ['hold']],
    ]);
    const created = reduceWorkflow(s0, { type: 'WorkflowCreated' });
    expect(named(s0, created.commands)).toEqual(['HoldJob:hold', 'SetWorkflowStatus>on_hold']);
    const holdId = s0.jobs[0].id;
    const approved = reduceWorkflow(created.state, { type: 'JobApproved', jobId: holdId, by: 'u1' });
    expect(named(s0, approved.commands)).toEqual(['ApproveJob:hold', 'QueueJob:deploy', 'SetWorkflowStatus>running']);
    // A duplicate approval changes nothing.
    expect(reduceWorkflow(approved.state, { type: 'JobApproved', jobId: holdId, by: 'u1' }).commands).toEqual([]);
  });

  it('cancels every unfinished job and the workflow; later events change nothing', () => {
    const s = reduceWorkflow(
      dag([
        ['a', []],
        ['b', ['a']],
      ]),
      { type: 'WorkflowCreated' },
    ).state;
    const r = reduceWorkflow(s, { type: 'WorkflowCancelRequested', by: 'u1' });
    expect(named(s, r.commands)).toEqual(['CancelJob:a', 'CancelJob:b', 'SetWorkflowStatus>canceled']);
    expect(reduceWorkflow(finish(r.state, 'a', 'success'), { type: 'TaskFinished', jobId: '' }).commands).toEqual([]);
  });

  it('aggregates parallel tasks: the job waits for all and fails if any failed', () => {
    const wf = aWorkflow();
    const job = aJob(wf, { status: 'running', plan: aJobPlan({ parallelism: 3 }) });
    job.tasks = job.tasks.map((t, i) => ({ ...t, status: i === 2 ? 'running' : 'success' }));
    expect(reduceWorkflow({ workflow: wf, jobs: [job] }, { type: 'TaskFinished', jobId: job.id }).commands).toEqual([]);
    job.tasks[2].status = 'failed';
    const r = reduceWorkflow({ workflow: wf, jobs: [job] }, { type: 'TaskFinished', jobId: job.id });
    expect(r.commands[0]).toEqual({ type: 'FinishJob', jobId: job.id, from: 'running', status: 'failed' });
  });

  it('is idempotent: reducing the resulting state again yields no commands', () => {
    const events: WorkflowEvent[] = [{ type: 'WorkflowCreated' }, { type: 'Reconcile' }, { type: 'TaskFinished', jobId: 'x' }];
    let s = dag([
      ['a', []],
      ['b', ['a']],
      ['h', ['b'], 'approval'],
    ]);
    s = reduceWorkflow(finish(reduceWorkflow(s, events[0]).state, 'a', 'success'), events[2]).state;
    s = reduceWorkflow(finish(s, 'b', 'success'), events[2]).state;
    for (const e of events) expect(reduceWorkflow(s, e).commands).toEqual([]);
  });
});
