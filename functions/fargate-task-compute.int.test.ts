import { createTestResources, resourceEnvironment } from '../test/support/aws';
import { computeControlPlaneDeps, FakeEcs } from '../test/support/fake-aws-compute';
import { DynamoPipelineStore } from '../shared/adapters/aws/dynamo-pipeline-store';
import { DynamoRunnerStore } from '../shared/adapters/aws/dynamo-runner-store';
import type { Job } from '../shared/model/entities';
import { aJob, aJobPlan, aWorkflow } from '../shared/model/fixtures';
import { dispatchTask } from '../shared/services/jobs/dispatch-task';
import { reconcile } from '../shared/services/jobs/reconcile';
import { withRunningCompute } from '../shared/services/jobs/task-compute';
import { startTask } from '../shared/services/runners/runner-protocol';
import { sshAccess } from '../shared/services/ssh/ssh-access';
import { advanceWorkflow } from '../shared/services/workflows/advance-workflow';
import { createAwsCompute } from './aws-compute';
import { readEnv } from './env';

/**
 * The dispatcher records no compute id on the task (one store write per task saved): every reader of a task's
 * compute finds the Fargate task from (job, task, attempt) by its `startedBy`. ECS at the request level, the store
 * and queues on the emulators, the control plane as the AWS composition root wires it.
 */
async function setup() {
  const r = await createTestResources();
  const ecs = new FakeEcs();
  const base = ecs.registerAgentBase();
  const env = readEnv({
    ...resourceEnvironment(r),
    PUBLIC_URL: 'https://ci.example.com',
    ...ecs.functionEnvironment(base),
  });
  let now = Date.now();
  const clock = { now: () => new Date(now) };
  const pipelines = new DynamoPipelineStore(r.table);
  const runners = new DynamoRunnerStore(r.table);
  const aws = createAwsCompute(
    env,
    () => pipelines,
    () => runners,
    { ecs: ecs.client(), clock },
  );
  const deps = computeControlPlaneDeps(r, { pipelines, runners, aws, clock });
  const workflow = aWorkflow();
  const dockerJob = (extra: Partial<Job> = {}) =>
    aJob(workflow, {
      status: 'queued',
      queuedAt: new Date(now).toISOString(),
      plan: aJobPlan({ executor: { type: 'docker', resourceClass: 'medium', images: [{ image: 'cimg/base:stable', environment: {} }] } }),
      tasks: [{ index: 0, status: 'queued', attempt: 0, steps: [] }],
      ...extra,
    });
  const msg = (job: Job) => ({ workflowId: workflow.id, jobId: job.id, taskIndex: 0, attempt: 0 });
  const read = async (job: Job) => (await pipelines.getJob(workflow.id, job.id))!;
  const stopped = () => ecs.tasks.filter((t) => t.lastStatus === 'STOPPED').map((t) => t.taskArn);
  return { deps, ecs, workflow, dockerJob, msg, read, stopped, advance: (seconds: number) => (now += seconds * 1000) };
}

describe('Fargate tasks found from (job, task, attempt)', () => {
  it('dispatches without writing to the job, and a redelivered dispatch (new tokens) starts no second task', async () => {
    const { deps, ecs, workflow, dockerJob, msg, read } = await setup();
    const job = dockerJob();
    await deps.pipelines.createWorkflow(workflow, [job]);
    const before = await read(job);
    await dispatchTask(deps, msg(job));
    await dispatchTask(deps, msg(job));
    expect(ecs.running()).toBe(1);
    expect(await read(job)).toEqual(before);
  });

  it('a cancel stops the Fargate task of a running job', async () => {
    const { deps, ecs, workflow, dockerJob, msg, stopped } = await setup();
    const job = dockerJob();
    const other = dockerJob();
    await deps.pipelines.createWorkflow(workflow, [job, other]);
    for (const j of [job, other]) await dispatchTask(deps, msg(j));
    await startTask(deps, msg(job));
    await advanceWorkflow(deps, { workflowId: workflow.id, event: { type: 'JobCancelRequested', jobId: job.id, by: 'user-1' } });
    const [arn] = ecs.tasks.map((t) => t.taskArn);
    expect(stopped()).toEqual([arn]);
  });

  it('the reaper stops the task of a silent agent, and dispatches again only a queued task whose compute it cannot find', async () => {
    const { deps, ecs, workflow, dockerJob, msg, read, stopped, advance } = await setup();
    const silent = dockerJob();
    const slow = dockerJob();
    const lost = dockerJob();
    await deps.pipelines.createWorkflow(workflow, [silent, slow, lost]);
    // `lost`'s dispatch message never arrived; `slow`'s task is still starting.
    for (const j of [silent, slow]) await dispatchTask(deps, msg(j));
    await startTask(deps, msg(silent));
    advance(90);
    const report = await reconcile(deps);
    expect(report).toMatchObject({ tasksRedispatched: 1, tasksReaped: 1, tasksRetried: 1 });
    expect(stopped()).toEqual([ecs.tasks[0].taskArn]);
    expect((await read(silent)).tasks[0]).toMatchObject({ status: 'queued', attempt: 1 });
    // The redispatched `lost` starts its task; `slow` keeps its one task.
    await dispatchTask(deps, msg(lost));
    expect(ecs.tasks.map((t) => t.lastStatus)).toEqual(['STOPPED', 'RUNNING', 'RUNNING']);
  });

  it('SSH access names the Fargate task of each running task', async () => {
    const { deps, ecs, workflow, dockerJob, msg, read } = await setup();
    const job = dockerJob({ sshRerun: true });
    await deps.pipelines.createWorkflow(workflow, [job]);
    await dispatchTask(deps, msg(job));
    await startTask(deps, msg(job));
    const access = sshAccess(await withRunningCompute(deps, await read(job)));
    expect(access.tasks).toEqual([expect.objectContaining({ method: 'ecs-exec', command: expect.arrayContaining([ecs.tasks[0].taskArn]) })]);
  });
});
