import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeSessionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { EcsExecSessions } from '../../adapters/aws/ecs-exec-sessions';
import type { Job } from '../../model/entities';
import { aJob, aWorkflow } from '../../model/fixtures';
import { createTestResources } from '../../../test/support/aws';
import type { ControlPlaneDeps } from '../deps';
import { completeTask, heartbeat, startTask, watchJob } from './runner-protocol';

/** A running one-task job in a fresh table, its task's claims, and a clock the test moves. */
async function runningTask(extra: Partial<ControlPlaneDeps> = {}) {
  const r = await createTestResources();
  const clock = { at: new Date('2026-12-01T12:00:00Z').getTime() };
  const deps = { pipelines: new DynamoPipelineStore(r.table), clock: { now: () => new Date(clock.at) }, ...extra } as unknown as ControlPlaneDeps;
  const wf = aWorkflow();
  const job = aJob(wf);
  await deps.pipelines.createWorkflow(wf, [job]);
  await deps.pipelines.updateJob(wf.id, job.id, 'blocked', { status: 'running' });
  await deps.pipelines.updateTask(wf.id, job.id, 0, { status: 'blocked' }, { status: 'running', attempt: 0 });
  const claims = { workflowId: wf.id, jobId: job.id, taskIndex: 0, attempt: 0 };
  const read = async () => (await deps.pipelines.getJob(wf.id, job.id))!;
  return { deps, claims, read, job, wf, clock };
}

describe('watching a job (live log tailing)', () => {
  it('marks a running job watched when viewed, at most once per 10 s, and heartbeat replies say live for 30 s', async () => {
    const { deps, claims, read, job, wf, clock } = await runningTask();

    expect(await heartbeat(deps, claims)).toEqual({ cancel: false });
    await watchJob(deps, await read());
    const first = (await read()).watchedAt;
    expect(first).toBe(new Date(clock.at).toISOString());
    expect(await heartbeat(deps, claims)).toEqual({ cancel: false, live: true });

    // Viewers polling every 2 s: the mark is fresh for 10 s, so nothing is written meanwhile.
    clock.at += 8000;
    await watchJob(deps, await read());
    expect((await read()).watchedAt).toBe(first);
    clock.at += 3000;
    await watchJob(deps, await read());
    expect((await read()).watchedAt).toBe(new Date(clock.at).toISOString());

    // Nobody has looked for 30 s: replies stop saying live.
    clock.at += 29_000;
    expect(await heartbeat(deps, claims)).toEqual({ cancel: false, live: true });
    clock.at += 2000;
    expect(await heartbeat(deps, claims)).toEqual({ cancel: false });

    // A finished job is never marked.
    await deps.pipelines.updateJob(wf.id, job.id, 'running', { status: 'success' });
    const watchedAt = (await read()).watchedAt;
    clock.at += 60_000;
    await watchJob(deps, await read());
    expect((await read()).watchedAt).toBe(watchedAt);
  });
});

describe('bare heartbeats', () => {
  it('write only when the stored beat is a third of the lease old, still say cancel, and refuse a superseded attempt', async () => {
    const { deps, claims, read, job, wf, clock } = await runningTask({ leaseSeconds: 60 });

    // No beat stored yet: the first one writes.
    expect(await heartbeat(deps, claims)).toEqual({ cancel: false });
    const written = await read();
    expect(written.tasks[0].heartbeatAt).toBe(new Date(clock.at).toISOString());
    // 13.5 s later (the agent's cadence at a 60 s lease) nothing is written; at 20 s it is.
    clock.at += 13_500;
    expect(await heartbeat(deps, claims)).toEqual({ cancel: false });
    expect((await read()).version).toBe(written.version);
    clock.at += 6_500;
    expect(await heartbeat(deps, claims)).toEqual({ cancel: false });
    expect((await read()).tasks[0].heartbeatAt).toBe(new Date(clock.at).toISOString());
    expect((await read()).version).toBe(written.version + 1);
    // Step progress is always written, fresh beat or not.
    clock.at += 1_000;
    const steps = [{ index: 0, name: 'Checkout code', type: 'checkout', status: 'running' as const, startedAt: new Date(clock.at).toISOString() }];
    await heartbeat(deps, claims, steps as never);
    expect((await read()).tasks[0].steps[0]).toMatchObject({ name: 'Checkout code' });
    // A cancel reaches a beat that writes nothing.
    await deps.pipelines.updateJob(wf.id, job.id, 'running', { status: 'canceled' });
    const canceled = await read();
    clock.at += 1_000;
    expect(await heartbeat(deps, claims)).toEqual({ cancel: true });
    expect((await read()).version).toBe(canceled.version);
    // A superseded attempt's beat is refused (409), fresh or not.
    await expect(heartbeat(deps, { ...claims, attempt: 1 })).rejects.toMatchObject({ name: 'ConflictError' });
  });
});

describe('heartbeats of a Fargate job rerun with SSH (ECS Exec sessions)', () => {
  const TASK = 'arn:aws:ecs:eu-west-1:111122223333:task/slipway-jobs/0f1e2d3c4b5a69788796a5b4c3d2e1f0';
  const ecs = mockClient(ECSClient);
  const ssm = mockClient(SSMClient);
  afterAll(() => (ecs.restore(), ssm.restore()));

  it('say sshActive while Session Manager lists a session into the task, asking at most once a minute; other jobs never ask', async () => {
    const r = await createTestResources();
    let now = new Date('2026-12-01T12:00:00Z').getTime();
    const clock = { now: () => new Date(now) };
    const execSessions = new EcsExecSessions(new ECSClient({ region: 'eu-west-1' }), new SSMClient({ region: 'eu-west-1' }), { clock });
    // The dispatcher records no compute: the compute port finds each task's unit (ECS: ListTasks by startedBy).
    const units = new Map<string, string>();
    let finds = 0;
    const compute = { find: async (t: { jobId: string; attempt: number }) => (finds++, units.get(`${t.jobId}/${t.attempt}`)) };
    const deps = { pipelines: new DynamoPipelineStore(r.table), clock, execSessions, compute } as unknown as ControlPlaneDeps;
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK, containers: [{ name: 'primary', runtimeId: '0f1e2d3c-2531612879' }] }] });
    let open = true;
    ssm.on(DescribeSessionsCommand).callsFake(async () => ({ Sessions: open ? [{ SessionId: 'ada-0abc', Status: 'Connected' }] : [] }));
    const running = async (overrides: Partial<Job>, computeId: string) => {
      const wf = aWorkflow();
      const job = aJob(wf, overrides);
      await deps.pipelines.createWorkflow(wf, [job]);
      await deps.pipelines.updateJob(wf.id, job.id, 'blocked', { status: 'running' });
      // A machine's claim records its instance; any other unit is only found.
      const recorded = computeId.startsWith('machine:') ? { computeId } : (units.set(`${job.id}/0`, computeId), {});
      await deps.pipelines.updateTask(wf.id, job.id, 0, { status: 'blocked' }, { status: 'running', attempt: 0, ...recorded });
      return { workflowId: wf.id, jobId: job.id, taskIndex: 0, attempt: 0 };
    };
    const sshJob = await running({ sshRerun: true }, TASK);

    expect(await heartbeat(deps, sshJob)).toEqual({ cancel: false, sshActive: true });
    expect(ssm.commandCalls(DescribeSessionsCommand)[0].args[0].input).toMatchObject({
      State: 'Active',
      Filters: [{ key: 'Target', value: 'ecs:slipway-jobs_0f1e2d3c4b5a69788796a5b4c3d2e1f0_0f1e2d3c-2531612879' }],
    });
    // The session closes; heartbeats within the minute reuse the last answer, the next one asks again.
    open = false;
    now += 45_000;
    expect(await heartbeat(deps, sshJob)).toEqual({ cancel: false, sshActive: true });
    now += 15_000;
    expect(await heartbeat(deps, sshJob)).toEqual({ cancel: false });
    expect(ssm.commandCalls(DescribeSessionsCommand)).toHaveLength(2);
    // The task's compute (an ECS ListTasks in AWS) was looked up once, not on every heartbeat.
    expect(finds).toBe(1);

    // A job not rerun with SSH, and a job rerun with SSH on a machine, never ask.
    const plain = await running({}, `${TASK.slice(0, -1)}1`);
    const machine = await running({ sshRerun: true }, 'machine:i-0abc');
    open = true;
    now += 60_000;
    expect(await heartbeat(deps, plain)).toEqual({ cancel: false });
    expect(await heartbeat(deps, machine)).toEqual({ cancel: false });
    expect(ssm.commandCalls(DescribeSessionsCommand)).toHaveLength(2);

    // Session Manager failing never fails the heartbeat.
    ssm.on(DescribeSessionsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    expect(await heartbeat(deps, sshJob)).toEqual({ cancel: false });
  });
});

describe('starting a task', () => {
  it('starts its queued job in the same write, with no conductor event; a parallel sibling starting later sends one', async () => {
    const r = await createTestResources();
    const sent: unknown[] = [];
    const metrics: Array<[string, number]> = [];
    const deps = {
      pipelines: new DynamoPipelineStore(r.table),
      clock: { now: () => new Date('2026-12-01T12:00:05Z') },
      queue: { send: async (_q: string, body: unknown) => void sent.push(body) },
      metrics: { record: (name: string, value: number) => void metrics.push([name, value]) },
    } as unknown as ControlPlaneDeps;
    const wf = aWorkflow();
    const job = aJob(wf, { plan: { ...aJob(wf).plan, parallelism: 2 } });
    await deps.pipelines.createWorkflow(wf, [job]);
    await deps.pipelines.updateJob(wf.id, job.id, 'blocked', { status: 'queued', queuedAt: '2026-12-01T12:00:00Z' });
    for (const index of [0, 1]) await deps.pipelines.updateTask(wf.id, job.id, index, { status: 'blocked' }, { status: 'queued', attempt: 0 });

    const first = await startTask(deps, { workflowId: wf.id, jobId: job.id, taskIndex: 1, attempt: 0 });
    expect(first).toMatchObject({ status: 'running', startedAt: '2026-12-01T12:00:05.000Z' });
    expect(first.tasks.map((t) => t.status)).toEqual(['queued', 'running']);
    expect(sent).toEqual([]);
    expect(metrics).toEqual([
      ['JobsStarted', 1],
      ['QueueWaitMs', 5000],
    ]);

    const second = await startTask(deps, { workflowId: wf.id, jobId: job.id, taskIndex: 0, attempt: 0 });
    expect(second.tasks.map((t) => t.status)).toEqual(['running', 'running']);
    expect(sent).toEqual([{ workflowId: wf.id, event: { type: 'TaskFinished', jobId: job.id } }]);
    expect(metrics).toHaveLength(2);

    // A repeated start changes nothing and sends nothing.
    await startTask(deps, { workflowId: wf.id, jobId: job.id, taskIndex: 0, attempt: 0 });
    expect(sent).toHaveLength(1);
  });
});

describe('completing a task', () => {
  const setUp = async (parallelism: number) => {
    const r = await createTestResources();
    const sent: Array<[string, unknown]> = [];
    const metrics: string[] = [];
    const deps = {
      pipelines: new DynamoPipelineStore(r.table),
      clock: { now: () => new Date('2026-12-01T12:00:09Z') },
      queue: { send: async (q: string, body: unknown) => void sent.push([q, body]) },
      metrics: { record: (name: string) => void metrics.push(name) },
    } as unknown as ControlPlaneDeps;
    const wf = aWorkflow();
    const job = aJob(wf, { plan: { ...aJob(wf).plan, parallelism } });
    await deps.pipelines.createWorkflow(wf, [job]);
    await deps.pipelines.updateJob(wf.id, job.id, 'blocked', { status: 'queued', queuedAt: '2026-12-01T12:00:00Z' });
    for (let i = 0; i < parallelism; i++) await deps.pipelines.updateTask(wf.id, job.id, i, { status: 'blocked' }, { status: 'queued', attempt: 0 });
    for (let i = 0; i < parallelism; i++) await startTask(deps, { workflowId: wf.id, jobId: job.id, taskIndex: i, attempt: 0 });
    sent.length = 0;
    metrics.length = 0;
    return { deps, sent, metrics, wf, job, read: async () => (await deps.pipelines.getJob(wf.id, job.id))! };
  };
  const steps = [
    {
      index: 0,
      name: 'hello',
      type: 'run',
      status: 'success' as const,
      startedAt: '2026-12-01T12:00:06Z',
      stoppedAt: '2026-12-01T12:00:08Z',
      exitCode: 0,
      outputBytes: 3,
      output: 'hi\n',
    },
  ];

  it('finishes a one-task job that succeeded in the same write, then notifies and nudges the conductor', async () => {
    const { deps, sent, metrics, wf, job, read } = await setUp(1);
    await completeTask(deps, { workflowId: wf.id, jobId: job.id, taskIndex: 0, attempt: 0 }, { status: 'success', steps });
    const stored = await read();
    expect(stored).toMatchObject({ status: 'success', stoppedAt: '2026-12-01T12:00:09.000Z' });
    expect(stored.tasks[0]).toMatchObject({ status: 'success', steps: [{ name: 'hello', actions: [{ output: 'hi\n', exitCode: 0 }] }] });
    expect(sent).toEqual([
      ['notify', { type: 'JobFinished', workflowId: wf.id, jobId: job.id, status: 'success' }],
      ['events', { workflowId: wf.id, event: { type: 'TaskFinished', jobId: job.id } }],
    ]);
    expect(metrics).toEqual(['JobsFinished', 'JobDurationMs']);
    // Repeated: nothing more is written or notified (the event is deduplicated by the queue).
    await completeTask(deps, { workflowId: wf.id, jobId: job.id, taskIndex: 0, attempt: 0 }, { status: 'success', steps });
    expect(sent.filter(([q]) => q === 'notify')).toHaveLength(1);
  });

  it('leaves a failed task, and a task of a parallel job, for the conductor to settle', async () => {
    const one = await setUp(1);
    await completeTask(one.deps, { workflowId: one.wf.id, jobId: one.job.id, taskIndex: 0, attempt: 0 }, { status: 'failed', steps });
    expect((await one.read()).status).toBe('running');
    expect((await one.read()).tasks[0].status).toBe('failed');
    expect(one.sent.map(([q]) => q)).toEqual(['events']);

    const two = await setUp(2);
    await completeTask(two.deps, { workflowId: two.wf.id, jobId: two.job.id, taskIndex: 1, attempt: 0 }, { status: 'success', steps });
    expect((await two.read()).status).toBe('running');
    expect((await two.read()).tasks.map((t) => t.status)).toEqual(['running', 'success']);
    expect(two.metrics).toEqual([]);
  });

  it("keeps each step's failure reason on its action, and none on a step that succeeded", async () => {
    const { deps, wf, job, read } = await setUp(1);
    const upload = {
      index: 1,
      name: 'Saving cache',
      type: 'save_cache',
      status: 'failed' as const,
      startedAt: '2026-12-01T12:00:08Z',
      stoppedAt: '2026-12-01T12:00:09Z',
      exitCode: null,
      failureReason: 'infrastructure' as const,
    };
    await completeTask(deps, { workflowId: wf.id, jobId: job.id, taskIndex: 0, attempt: 0 }, { status: 'failed', steps: [...steps, upload] });
    const actions = (await read()).tasks[0].steps.map((s) => s.actions[0]);
    expect(actions.map((a) => [a.status, a.failureReason])).toEqual([
      ['success', undefined],
      ['failed', 'infrastructure'],
    ]);
  });
});
