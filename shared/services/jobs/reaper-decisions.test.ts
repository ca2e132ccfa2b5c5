import type { Job, TaskState } from '../../model/entities';
import { aJob, aPipeline, aWorkflow } from '../../model/fixtures';
import type { JobStatus } from '../../model/statuses';
import { decidePipeline, decideTask, type ReaperLimits } from './reaper-decisions';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();
const LIMITS: ReaperLimits = { infraRetries: 1, maxJobRuntimeSeconds: 3600, maxQueuedSeconds: 600, retriggerPendingAfterSeconds: 60, leaseSeconds: 60 };

function job(status: JobStatus, task: Partial<TaskState>, extra: Partial<Job> = {}): { job: Job; task: TaskState } {
  const j = aJob(aWorkflow(), { status, createdAt: ago(3000), queuedAt: ago(120), ...extra });
  j.tasks[0] = { ...j.tasks[0], status: 'queued', ...task };
  return { job: j, task: j.tasks[0] };
}

describe('policy 1: pipelines left pending', () => {
  it.each([
    ['created 90 s ago', 90, 'retrigger'],
    ['created exactly at the delay', 60, 'leave'],
    ['created 10 s ago', 10, 'leave'],
  ] as const)('a pending pipeline %s (%i s): %s', (_label, age, kind) => {
    expect(decidePipeline(aPipeline({ createdAt: ago(age) }), NOW, LIMITS).kind).toBe(kind);
  });

  it('leaves a pipeline that was processed, however old', () => {
    expect(decidePipeline(aPipeline({ state: 'created', createdAt: ago(3600) }), NOW, LIMITS)).toEqual({ kind: 'leave', reason: 'pipeline is created' });
  });
});

describe('per-task decisions', () => {
  const lost = { lost: true, reason: 'Spot interruption' };
  const kept = { lost: false };
  const table: Array<[string, ReturnType<typeof job>, string[], typeof lost?]> = [
    // Jobs that are not active are never touched.
    ['a finished job', job('success', { status: 'running', heartbeatAt: ago(9999), startedAt: ago(9999) }), ['leave']],
    ['a blocked job', job('blocked', { status: 'blocked' }), ['leave']],
    // Policy 2: queued beyond the limit.
    ['a task queued beyond the limit', job('queued', {}, { queuedAt: ago(601) }), ['expire']],
    ['a task queued beyond the limit, falling back to the creation time', job('queued', {}, { queuedAt: undefined, createdAt: ago(700) }), ['expire']],
    ['a task queued within the limit, claimed by a machine instance', job('queued', { computeId: 'machine:i-1' }, { queuedAt: ago(599) }), ['leave']],
    // Policy 3: queued beyond the dispatch delay (reconcile sends the dispatch again only if the compute finds no unit).
    ['a task queued 2 minutes', job('queued', {}), ['redispatch']],
    ['a task queued within the limit, not claimed', job('queued', {}, { queuedAt: ago(599) }), ['redispatch']],
    ['a task queued 30 s', job('queued', {}, { queuedAt: ago(30) }), ['leave']],
    // Policy 4: beyond the maximum runtime.
    [
      'a task running beyond the maximum runtime',
      job('running', { status: 'running', startedAt: ago(3601), heartbeatAt: ago(1), computeId: 'i-1' }),
      ['time_out'],
    ],
    // Policies 5 and 6: silent agents and lost compute.
    ['a running task heard from within the lease', job('running', { status: 'running', startedAt: ago(100), heartbeatAt: ago(59) }), ['leave']],
    [
      'a running task silent beyond the lease, retries left',
      job('running', { status: 'running', startedAt: ago(100), heartbeatAt: ago(61), computeId: 'i-1' }),
      ['retry'],
    ],
    [
      'a running task silent beyond the lease, retries spent',
      job('running', { status: 'running', startedAt: ago(100), heartbeatAt: ago(61) }, { infraRetries: 1 }),
      ['fail_infrastructure'],
    ],
    ['a running task that never beat, started beyond the lease', job('running', { status: 'running', startedAt: ago(61) }), ['retry']],
    [
      'a running task whose compute is lost, within the lease',
      job('running', { status: 'running', startedAt: ago(10), heartbeatAt: ago(1), computeId: 'i-1' }),
      ['retry'],
      lost,
    ],
    ['a queued task whose compute is lost (an image that cannot be pulled)', job('queued', {}, { queuedAt: ago(10) }), ['retry'], lost],
    ['a queued task an instance claimed, not heard from, not lost', job('queued', { computeId: 'machine:i-1' }, { queuedAt: ago(300) }), ['leave']],
    ['a queued task an instance claimed, silent beyond the lease', job('queued', { computeId: 'machine:i-1', heartbeatAt: ago(61) }), ['retry']],
    ['a queued task without compute a runner claimed, silent', job('queued', { heartbeatAt: ago(61) }), ['redispatch', 'retry']],
  ];

  it.each(table.map(([label, item, kinds, lostCompute]) => ({ label, item, kinds, lostCompute: lostCompute ?? kept })))(
    '$label',
    ({ item, kinds, lostCompute }) => {
      expect(decideTask(item.job, item.task, NOW, LIMITS, lostCompute).map((d) => d.kind)).toEqual(kinds);
    },
  );

  it('expires with a message naming the limit and the resource class, and stops the compute', () => {
    const { job: j, task } = job('queued', {}, { queuedAt: ago(601) });
    expect(decideTask(j, task, NOW, LIMITS)).toEqual([
      {
        kind: 'expire',
        reason: 'queued beyond the limit',
        message: 'No agent started this job within 600 seconds of queueing; check the capacity for resource class medium.',
        stopCompute: true,
        stopReason: 'queued beyond the limit',
      },
    ]);
  });

  it('stops the compute of a timed-out task and of a reaped one, and keeps the loss reason for the job', () => {
    const timedOut = job('running', { status: 'running', startedAt: ago(3601) });
    expect(decideTask(timedOut.job, timedOut.task, NOW, LIMITS)[0]).toMatchObject({ stopCompute: true, stopReason: 'maximum job runtime reached' });
    const gone = job('running', { status: 'running', startedAt: ago(10), heartbeatAt: ago(1) }, { infraRetries: 1 });
    expect(decideTask(gone.job, gone.task, NOW, LIMITS, lost)).toEqual([
      { kind: 'fail_infrastructure', reason: 'compute lost', stopCompute: true, stopReason: 'agent silent beyond its lease', message: 'Spot interruption' },
    ]);
    const silent = job('running', { status: 'running', startedAt: ago(100), heartbeatAt: ago(61) });
    expect(decideTask(silent.job, silent.task, NOW, LIMITS)).toEqual([
      { kind: 'retry', reason: 'agent silent beyond its lease', stopCompute: true, stopReason: 'agent silent beyond its lease' },
    ]);
  });

  it('times out before reaping: a task beyond the maximum runtime ends timedout even when silent', () => {
    const { job: j, task } = job('running', { status: 'running', startedAt: ago(4000), heartbeatAt: ago(500) });
    expect(decideTask(j, task, NOW, LIMITS).map((d) => d.kind)).toEqual(['time_out']);
  });
});
