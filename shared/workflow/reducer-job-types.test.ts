import type { Job } from '../model/entities';
import { aJob, aJobPlan, aWorkflow } from '../model/fixtures';
import type { SerialGroupEntry, SerialGroupLock } from '../ports/pipeline-store';
import { holdsUntilUnlocked, reduceWorkflow, type WorkflowEvent, type WorkflowState } from './reducer';

const KEY = 'gh/acme/deploy-prod';
const TICK: WorkflowEvent = { type: 'Reconcile' };
const ok = (job: string) => ({ job, statuses: ['success' as const] });
const job = (s: WorkflowState, name: string) => s.jobs.find((j) => j.name === name)!;
const entry = (jobId: string, pipelineNumber: number): SerialGroupEntry => ({
  jobId,
  workflowId: 'other',
  projectSlug: 'gh/acme/app',
  pipelineNumber,
  since: '2026-01-01T00:00:00Z',
});

/** Reduces, then checks that reducing the outcome again (a duplicate delivery) yields nothing more. */
function reduceOnce(state: WorkflowState, event: WorkflowEvent = TICK) {
  const r = reduceWorkflow(state, event);
  expect(reduceWorkflow(r.state, event).commands).toEqual([]);
  return r;
}

/** build → gate (type) → deploy, with `build` already in `buildStatus`. */
function gated(type: Job['type'], buildStatus: Job['status'], extra: Partial<Job['plan']> = {}): WorkflowState {
  const workflow = aWorkflow();
  const build = aJob(workflow, { name: 'build', status: buildStatus });
  const gate = aJob(workflow, { plan: aJobPlan({ name: 'gate', type, steps: [], requires: [ok('build')], ...extra }) });
  const deploy = aJob(workflow, { plan: aJobPlan({ name: 'deploy', requires: [ok('gate')] }) });
  return { workflow, jobs: [build, gate, deploy] };
}

describe('reduceWorkflow job types that run nothing', () => {
  it('a no-op job succeeds as soon as its requirements do, queues no compute, and releases what follows', () => {
    const state = gated('no-op', 'success');
    const r = reduceOnce(state);
    expect(r.commands).toEqual([
      { type: 'PassJob', jobId: job(state, 'gate').id },
      { type: 'QueueJob', jobId: job(state, 'deploy').id },
    ]);
    expect(job(r.state, 'gate').status).toBe('success');
  });

  it('a no-op job whose requirement failed is not run, and neither is what follows it', () => {
    const state = gated('no-op', 'failed');
    const r = reduceOnce(state);
    expect(r.commands.filter((c) => c.type === 'SkipJob').map((c) => (c as { jobId: string }).jobId)).toEqual([job(state, 'gate').id, job(state, 'deploy').id]);
    expect(r.state.workflow.status).toBe('failed');
  });

  it('a no-op job waits while a requirement runs', () => {
    expect(reduceOnce(gated('no-op', 'running')).commands).toEqual([]);
  });

  it('a release job is recorded with its plan and succeeds without compute', () => {
    const state = gated('release', 'success', { releasePlan: 'my-service' });
    const r = reduceOnce(state);
    expect(r.commands[0]).toEqual({ type: 'PassJob', jobId: job(state, 'gate').id, message: expect.stringContaining('"my-service"') });
  });
});

/** lock → deploy → unlock (the unlock runs whatever deploy ends in), then `after` on deploy's success. */
function locked(deployStatus: Job['status'] = 'blocked') {
  const workflow = aWorkflow({ pipelineNumber: 7, projectSlug: 'gh/acme/app' });
  const lockJob = aJob(workflow, { plan: aJobPlan({ name: 'lock', type: 'lock', serialGroup: 'deploy-prod', steps: [] }) });
  const deploy = aJob(workflow, { status: deployStatus, plan: aJobPlan({ name: 'deploy', requires: [ok('lock')] }) });
  const unlockJob = aJob(workflow, {
    plan: aJobPlan({
      name: 'unlock',
      type: 'unlock',
      unlocks: 'deploy-prod',
      steps: [],
      requires: [{ job: 'deploy', statuses: ['success', 'failed', 'canceled', 'not_run'] }],
    }),
  });
  return { workflow, jobs: [lockJob, deploy, unlockJob] } as WorkflowState;
}
const lockOf = (holder?: SerialGroupEntry, waiters: SerialGroupEntry[] = []): Record<string, SerialGroupLock> => ({
  [KEY]: { key: KEY, holder, waiters, version: 1 },
});

describe('reduceWorkflow lock and unlock jobs', () => {
  it('a lock job takes a free group and succeeds at once, keeping the group while the jobs after it run', () => {
    const state = locked();
    const r = reduceOnce({ ...state, serialGroups: lockOf() });
    expect(r.commands).toEqual([
      { type: 'AcquireSerialGroup', jobId: job(state, 'lock').id, key: KEY },
      { type: 'QueueJob', jobId: job(state, 'deploy').id },
    ]);
    expect(job(r.state, 'lock').status).toBe('success');
    expect(r.state.serialGroups![KEY].holder?.jobId).toBe(job(state, 'lock').id);
  });

  it('a lock job waits while another pipeline holds the group', () => {
    const state = locked();
    const r = reduceOnce({ ...state, serialGroups: lockOf(entry('older', 6)) });
    expect(r.commands).toEqual([expect.objectContaining({ type: 'WaitSerialGroup', jobId: job(state, 'lock').id })]);
    expect(job(r.state, 'deploy').status).toBe('blocked');
  });

  it('the unlock job gives the group back when it runs, also after the protected job failed', () => {
    const state = locked('failed');
    state.jobs[0] = { ...state.jobs[0], status: 'success' };
    const r = reduceOnce({ ...state, serialGroups: lockOf({ ...entry(job(state, 'lock').id, 7), workflowId: state.workflow.id }) });
    expect(r.commands).toEqual([
      { type: 'PassJob', jobId: job(state, 'unlock').id },
      { type: 'ReleaseSerialGroup', jobId: job(state, 'lock').id, key: KEY },
      expect.objectContaining({ type: 'SetWorkflowStatus', status: 'failed' }),
    ]);
    expect(r.state.serialGroups![KEY].holder).toBeUndefined();
  });

  it('a canceled workflow gives its lock back even though its unlock job never ran', () => {
    const state = locked('running');
    state.jobs[0] = { ...state.jobs[0], status: 'success' };
    const r = reduceWorkflow(
      { ...state, serialGroups: lockOf({ ...entry(job(state, 'lock').id, 7), workflowId: state.workflow.id }) },
      { type: 'WorkflowCancelRequested', by: 'me' },
    );
    expect(r.commands).toContainEqual({ type: 'ReleaseSerialGroup', jobId: job(state, 'lock').id, key: KEY });
  });

  it('holds the group until the workflow unlocks it (what another workflow sees when it checks the holder)', () => {
    const state = locked('running');
    const lockJob = { ...state.jobs[0], status: 'success' as const };
    expect(holdsUntilUnlocked(lockJob, [lockJob, ...state.jobs.slice(1)])).toBe(true);
    const unlocked = { ...state.jobs[2], status: 'success' as const };
    expect(holdsUntilUnlocked(lockJob, [lockJob, state.jobs[1], unlocked])).toBe(false);
    const allDone = state.jobs.map((j) => ({ ...j, status: 'not_run' as const }));
    expect(holdsUntilUnlocked(lockJob, [lockJob, ...allDone.slice(1)])).toBe(false);
    expect(holdsUntilUnlocked({ ...state.jobs[1], status: 'success' }, state.jobs)).toBe(false);
  });
});
