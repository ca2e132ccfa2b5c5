import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import { createTestResources, resourceEnvironment } from '../test/support/aws';
import { DynamoPipelineStore } from '../shared/adapters/aws/dynamo-pipeline-store';
import { DynamoRunnerStore } from '../shared/adapters/aws/dynamo-runner-store';
import { SqsMessageQueue } from '../shared/adapters/aws/sqs-message-queue';
import { UnauthorizedError } from '../shared/model/errors';
import { aJob, aJobPlan, aWorkflow } from '../shared/model/fixtures';
import { systemClock } from '../shared/ports/clock';
import type { ControlPlaneDeps } from '../shared/services/deps';
import { dispatchTask } from '../shared/services/jobs/dispatch-task';
import { scaleInIdleMachines } from '../shared/services/runners/machine-pool';
import { startTask } from '../shared/services/runners/runner-protocol';
import { claimRunnerTask } from '../shared/services/runners/runners';
import { RunnerQueueCompute } from '../shared/services/runners/runners-compute';
import { handleSpotInterruption, isSpotInterruptionWarning } from '../shared/services/jobs/spot-interruption';
import { handleEcsTaskStopped, handleInstanceTerminating, isEcsTaskStopped, isInstanceTerminating } from '../shared/services/jobs/compute-events';
import { TokenService } from '../shared/services/identity/tokens';
import { createAwsCompute } from './aws-compute';
import { readEnv } from './env';

const autoscaling = mockClient(AutoScalingClient);
const secrets = mockClient(SecretsManagerClient);
const GROUP = 'Slipway-MachineGroup-medium-1A2B3C';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:RunnerToken-abc';
const MACHINE_TOKEN = 'machine-runner-token-'.padEnd(64, 'x');

/** The control plane as the AWS composition root wires it, on the emulators, with Auto Scaling and Secrets Manager mocked. */
async function setup() {
  const r = await createTestResources();
  const env = readEnv({
    ...resourceEnvironment(r),
    PUBLIC_URL: 'https://ci.example.com',
    MACHINE_ASGS: JSON.stringify({ medium: GROUP }),
    MACHINE_RUNNER_TOKEN_SECRET_ARN: SECRET_ARN,
  });
  const pipelines = new DynamoPipelineStore(r.table);
  const runners = new DynamoRunnerStore(r.table);
  const region = { region: 'eu-west-1' };
  const aws = createAwsCompute(env, () => pipelines, () => runners, {
    autoscaling: new AutoScalingClient(region),
    secrets: new SecretsManagerClient(region),
    ecs: new ECSClient(region),
  });
  const deps = {
    pipelines,
    runners,
    queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls),
    compute: new RunnerQueueCompute(aws, runners, systemClock),
    machinePool: aws.machinePool,
    tokens: new TokenService(randomBytes(32)),
    clock: systemClock,
    publicUrl: 'https://ci.example.com',
    leaseSeconds: 60,
  } as unknown as ControlPlaneDeps;
  const workflow = aWorkflow();
  const job = aJob(workflow, {
    status: 'queued',
    queuedAt: new Date().toISOString(),
    plan: aJobPlan({ executor: { type: 'machine', resourceClass: 'medium', images: [], machineImage: 'ubuntu-2204:current' } }),
    tasks: [{ index: 0, status: 'queued', attempt: 0, steps: [] }],
  });
  await pipelines.createWorkflow(workflow, [job]);
  const dispatched = async (attempt: number) => {
    const out = await r.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: r.queueUrls.dispatch, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    return (out.Messages ?? []).map((m) => JSON.parse(m.Body!)).filter((m) => m.jobId === job.id && m.attempt === attempt);
  };
  const task = async () => (await pipelines.getJob(workflow.id, job.id))!;
  return { deps, runners, workflow, job, task, dispatched, msg: { workflowId: workflow.id, jobId: job.id, taskIndex: 0, attempt: 0 } };
}

const group = (desired: number) => ({
  AutoScalingGroups: [
    { AutoScalingGroupName: GROUP, MinSize: 0, MaxSize: 4, DesiredCapacity: desired, DefaultCooldown: 60, AvailabilityZones: ['eu-west-1a'], HealthCheckType: 'EC2', CreatedTime: new Date() },
  ],
});

beforeEach(() => {
  autoscaling.reset();
  secrets.reset();
  autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group(0));
  autoscaling.on(SetDesiredCapacityCommand).resolves({});
  autoscaling.on(TerminateInstanceInAutoScalingGroupCommand).resolves({});
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: `${MACHINE_TOKEN}\n` });
});

describe('AWS machine executor', () => {
  it('dispatches a machine job by scaling its group out and queueing it for the machine runners of its class', async () => {
    const { deps, runners, task, msg } = await setup();
    await dispatchTask(deps, msg);
    expect(autoscaling.commandCalls(SetDesiredCapacityCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: GROUP, DesiredCapacity: 1, HonorCooldown: false },
    ]);
    const queued = await runners.listQueued('machine/medium');
    expect(queued).toEqual([expect.objectContaining({ jobId: msg.jobId, taskIndex: 0, attempt: 0 })]);
    expect((await task()).tasks[0].computeId).toMatch(/^runner:/);
  });

  it('lets an instance claim with the machine token from Secrets Manager for machine/* classes only, recording the instance', async () => {
    const { deps, runners, task, msg } = await setup();
    await dispatchTask(deps, msg);
    const runner = { name: 'i-0abc', version: '1', resourceClass: 'machine/medium' };
    await expect(claimRunnerTask(deps, 'not-the-token', runner)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(claimRunnerTask(deps, MACHINE_TOKEN, { ...runner, resourceClass: 'acme/gpu' })).rejects.toBeInstanceOf(UnauthorizedError);
    const claimed = await claimRunnerTask(deps, MACHINE_TOKEN, runner);
    expect(claimed).toMatchObject({ resourceClass: 'machine/medium', jobId: msg.jobId });
    expect(await deps.tokens.verifyTask(claimed!.taskToken)).toEqual(msg);
    expect((await task()).tasks[0].computeId).toBe('machine:i-0abc');
    expect((await runners.listRunners('machine/medium')).map((r) => r.name)).toEqual(['i-0abc']);
    expect(await claimRunnerTask(deps, MACHINE_TOKEN, { ...runner, name: 'i-0def' })).toBeUndefined();
    // The secret is read once per function instance.
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('retries the task of a Spot-interrupted instance once as a new attempt through the reaper, then fails it', async () => {
    const { deps, task, dispatched, msg } = await setup();
    await dispatchTask(deps, msg);
    await startTask(deps, (await deps.tokens.verifyTask((await claimRunnerTask(deps, MACHINE_TOKEN, { name: 'i-0abc', version: '1', resourceClass: 'machine/medium' }))!.taskToken)));
    const warning = { 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', detail: { 'instance-id': 'i-0abc', 'instance-action': 'terminate' } };
    expect(isSpotInterruptionWarning(warning)).toBe(true);
    expect(isSpotInterruptionWarning({ 'detail-type': 'Scheduled Event', detail: {} })).toBe(false);

    expect(await handleSpotInterruption(deps, 'i-0other')).toEqual({ instanceId: 'i-0other', tasks: 0, retried: 0 });
    expect(await handleSpotInterruption(deps, warning.detail['instance-id'])).toEqual({ instanceId: 'i-0abc', tasks: 1, retried: 1 });
    const retried = await task();
    expect(retried.infraRetries).toBe(1);
    expect(retried.tasks[0]).toMatchObject({ status: 'queued', attempt: 1 });
    expect(retried.tasks[0].computeId).toBeUndefined();
    expect(await dispatched(1)).toEqual([{ ...msg, attempt: 1 }]);
    // A repeated warning finds nothing on the instance any more.
    expect(await handleSpotInterruption(deps, 'i-0abc')).toEqual({ instanceId: 'i-0abc', tasks: 0, retried: 0 });

    // The second attempt lands on another Spot instance that is interrupted too: no retries left.
    await dispatchTask(deps, { ...msg, attempt: 1 });
    await startTask(deps, (await deps.tokens.verifyTask((await claimRunnerTask(deps, MACHINE_TOKEN, { name: 'i-0def', version: '1', resourceClass: 'machine/medium' }))!.taskToken)));
    expect(await handleSpotInterruption(deps, 'i-0def')).toEqual({ instanceId: 'i-0def', tasks: 1, retried: 0 });
    expect((await task()).tasks[0]).toMatchObject({ status: 'infrastructure_fail', attempt: 1 });
  });

  it('requeues the job of an instance Auto Scaling terminates, then completes its lifecycle action', async () => {
    const { deps, task, dispatched, msg } = await setup();
    autoscaling.on(CompleteLifecycleActionCommand).resolves({});
    await dispatchTask(deps, msg);
    await startTask(deps, (await deps.tokens.verifyTask((await claimRunnerTask(deps, MACHINE_TOKEN, { name: 'i-0abc', version: '1', resourceClass: 'machine/medium' }))!.taskToken)));
    const event = {
      source: 'aws.autoscaling',
      'detail-type': 'EC2 Instance-terminate Lifecycle Action',
      detail: { EC2InstanceId: 'i-0abc', AutoScalingGroupName: GROUP, LifecycleHookName: 'slipway-requeue', LifecycleActionToken: 'tok-1', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' },
    };
    expect(isInstanceTerminating(event)).toBe(true);
    expect(await handleInstanceTerminating(deps, event as never)).toEqual({ computeId: 'machine:i-0abc', tasks: 1, retried: 1 });
    expect((await task()).tasks[0]).toMatchObject({ status: 'queued', attempt: 1 });
    expect((await task()).message).toMatch(/terminated by Auto Scaling/);
    expect(await dispatched(1)).toEqual([{ ...msg, attempt: 1 }]);
    expect(autoscaling.commandCalls(CompleteLifecycleActionCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: GROUP, LifecycleHookName: 'slipway-requeue', LifecycleActionToken: 'tok-1', InstanceId: 'i-0abc', LifecycleActionResult: 'CONTINUE' },
    ]);
  });

  it('retries at once a task whose Fargate task stopped before its agent ran (image pull), keeping ECS\'s reason', async () => {
    const { deps, task, dispatched, msg } = await setup();
    const taskArn = 'arn:aws:ecs:eu-west-1:111122223333:task/slipway/0123abcd';
    await deps.pipelines.updateTask(msg.workflowId, msg.jobId, 0, { status: 'queued', attempt: 0 }, { computeId: taskArn });
    const event = {
      source: 'aws.ecs',
      'detail-type': 'ECS Task State Change',
      detail: { taskArn, lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull access denied', containers: [{ name: 'primary', reason: 'CannotPullContainerError' }] },
    };
    expect(isEcsTaskStopped(event)).toBe(true);
    expect(isEcsTaskStopped({ ...event, detail: { ...event.detail, lastStatus: 'RUNNING' } })).toBe(false);
    expect(await handleEcsTaskStopped(deps, event as never)).toEqual({ computeId: taskArn, tasks: 1, retried: 1 });
    const retried = await task();
    expect(retried.tasks[0]).toMatchObject({ status: 'queued', attempt: 1 });
    expect(retried.message).toBe('The Fargate task stopped (TaskFailedToStart): CannotPullContainerError: pull access denied; primary: CannotPullContainerError');
    expect(await dispatched(1)).toEqual([{ ...msg, attempt: 1 }]);
    // The same event again (EventBridge delivers at least once) finds nothing.
    expect(await handleEcsTaskStopped(deps, event as never)).toEqual({ computeId: taskArn, tasks: 0, retried: 0 });
  });

  it('terminates idle instances (polling for a while, running nothing) beyond the tasks waiting, decrementing capacity', async () => {
    const { deps, runners, msg } = await setup();
    const now = Date.now();
    const ago = (s: number) => new Date(now - s * 1000).toISOString();
    for (const name of ['i-0busy', 'i-0idle', 'i-0new']) {
      await runners.touchRunner({ resourceClass: 'machine/medium', name, version: '1', lastSeen: name === 'i-0new' ? ago(30) : ago(600) });
      await runners.touchRunner({ resourceClass: 'machine/medium', name, version: '1', lastSeen: ago(5) });
    }
    await dispatchTask(deps, msg);
    await claimRunnerTask(deps, MACHINE_TOKEN, { name: 'i-0busy', version: '1', resourceClass: 'machine/medium' });
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group(3));
    autoscaling.on(DescribeAutoScalingInstancesCommand).callsFake(({ InstanceIds }: { InstanceIds: string[] }) => ({
      AutoScalingInstances: InstanceIds.map((InstanceId) => ({ InstanceId, AutoScalingGroupName: GROUP, LifecycleState: 'InService', ProtectedFromScaleIn: false })),
    }));
    expect(await scaleInIdleMachines(deps)).toEqual(['i-0idle']);
    expect(autoscaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: 'i-0idle', ShouldDecrementDesiredCapacity: true },
    ]);
  });
});
