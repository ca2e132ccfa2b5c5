import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createTestResources, resourceEnvironment } from '../test/support/aws';
import { computeControlPlaneDeps } from '../test/support/fake-aws-compute';
import { DynamoPipelineStore } from '../shared/adapters/aws/dynamo-pipeline-store';
import { DynamoRunnerStore } from '../shared/adapters/aws/dynamo-runner-store';
import { UnauthorizedError } from '../shared/model/errors';
import { aJob, aJobPlan, aWorkflow } from '../shared/model/fixtures';
import type { ControlPlaneDeps } from '../shared/services/deps';
import { dispatchTask } from '../shared/services/jobs/dispatch-task';
import { scaleInIdleMachines } from '../shared/services/runners/machine-pool';
import { startTask, completeTask } from '../shared/services/runners/runner-protocol';
import { claimRunnerTask } from '../shared/services/runners/runners';
import { handleSpotInterruption, isSpotInterruptionWarning } from '../shared/services/jobs/spot-interruption';
import { handleEcsTaskStopped, handleInstanceTerminating, isEcsTaskStopped, isInstanceTerminating } from '../shared/services/jobs/compute-events';
import { handleInstanceLaunching, sweepMachineInstances } from '../shared/services/runners/machine-instances';
import { launchStartedBy } from '../shared/model/compute-launch';
import { findTaskCompute } from '../shared/services/jobs/task-compute';
import { createAwsCompute } from './aws-compute';
import { readEnv } from './env';

const autoscaling = mockClient(AutoScalingClient);
const ssm = mockClient(SSMClient);
const GROUP = 'Slipway-MachineGroup-medium-1A2B3C';
const PATH = '/slipway/Slipway/runners';
const ARN_PREFIX = 'arn:aws:ec2:eu-west-1:111122223333:instance/';

/** The control plane as the AWS composition root wires it, on the emulators, with Auto Scaling and Secrets Manager mocked. */
async function setup() {
  const r = await createTestResources();
  const env = readEnv({
    ...resourceEnvironment(r),
    PUBLIC_URL: 'https://ci.example.com',
    MACHINE_ASGS: JSON.stringify({ medium: GROUP }),
    MACHINE_CREDENTIAL_PATH: PATH,
    MACHINE_INSTANCE_ARN_PREFIX: ARN_PREFIX,
  });
  let now = Date.now();
  const clock = { now: () => new Date(now) };
  const pipelines = new DynamoPipelineStore(r.table);
  const runners = new DynamoRunnerStore(r.table);
  const region = { region: 'eu-west-1' };
  const aws = createAwsCompute(
    env,
    () => pipelines,
    () => runners,
    {
      autoscaling: new AutoScalingClient(region),
      ssm: new SSMClient(region),
      ecs: new ECSClient(region),
      clock,
    },
  );
  const deps = { ...computeControlPlaneDeps(r, { pipelines, runners, aws, clock }), machinePool: aws.machinePool } as ControlPlaneDeps;
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
  /** The instance launches: cron issues its credential (what the instance then reads from SSM). */
  const launched = async (instanceId: string, destination = 'AutoScalingGroup') => {
    const before = ssm.commandCalls(PutParameterCommand).length;
    await handleInstanceLaunching(deps, launchEvent(instanceId, destination) as never);
    return ssm
      .commandCalls(PutParameterCommand)
      .slice(before)
      .map((c) => c.args[0].input.Value!)[0];
  };
  const advance = (seconds: number) => (now += seconds * 1000);
  return { deps, runners, workflow, job, task, dispatched, launched, advance, msg: { workflowId: workflow.id, jobId: job.id, taskIndex: 0, attempt: 0 } };
}

const launchEvent = (instanceId: string, destination: string) => ({
  source: 'aws.autoscaling',
  'detail-type': 'EC2 Instance-launch Lifecycle Action',
  detail: {
    EC2InstanceId: instanceId,
    AutoScalingGroupName: GROUP,
    LifecycleHookName: 'slipway-register',
    LifecycleActionToken: `tok-${instanceId}`,
    Origin: 'EC2',
    Destination: destination,
  },
});
const machine = (name: string) => ({ name, version: '1', resourceClass: 'machine/medium' });

const group = (desired: number) => ({
  AutoScalingGroups: [
    {
      AutoScalingGroupName: GROUP,
      MinSize: 0,
      MaxSize: 4,
      DesiredCapacity: desired,
      DefaultCooldown: 60,
      AvailabilityZones: ['eu-west-1a'],
      HealthCheckType: 'EC2',
      CreatedTime: new Date(),
    },
  ],
});

beforeEach(() => {
  autoscaling.reset();
  ssm.reset();
  ssm.on(PutParameterCommand).resolves({ Version: 1 });
  ssm.on(DeleteParameterCommand).resolves({});
  autoscaling.on(CompleteLifecycleActionCommand).resolves({});
  autoscaling.on(SetInstanceProtectionCommand).resolves({});
  autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group(0));
  autoscaling.on(SetDesiredCapacityCommand).resolves({});
  autoscaling.on(TerminateInstanceInAutoScalingGroupCommand).resolves({});
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
    // Nothing is written for the dispatch: the compute finds the queue entry from the task.
    const job = await task();
    expect(job.tasks[0].computeId).toBeUndefined();
    await expect(findTaskCompute(deps, job, job.tasks[0])).resolves.toMatch(/^runner:/);
  });

  it('issues each launching instance its own credential, readable by that instance only, and lets it claim one job of its class', async () => {
    const { deps, runners, task, msg, launched } = await setup();
    await dispatchTask(deps, msg);
    const credential = await launched('i-0abc');
    expect(credential).toMatch(/^smi\.i-0abc\./);
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        Name: `${PATH}/i-0abc`,
        Type: 'SecureString',
        Value: credential,
        Tags: [{ Key: 'slipway:instance-arn', Value: `${ARN_PREFIX}i-0abc` }],
      }),
    ]);
    expect(autoscaling.commandCalls(CompleteLifecycleActionCommand).map((c) => c.args[0].input)).toEqual([
      {
        AutoScalingGroupName: GROUP,
        LifecycleHookName: 'slipway-register',
        LifecycleActionToken: 'tok-i-0abc',
        InstanceId: 'i-0abc',
        LifecycleActionResult: 'CONTINUE',
      },
    ]);
    // The store keeps only the credential's hash.
    expect(JSON.stringify(await runners.getMachineInstance('i-0abc'))).not.toContain(credential.split('.')[2]);

    await expect(claimRunnerTask(deps, `smi.i-0abc.${'x'.repeat(43)}`, machine('i-0abc'))).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(claimRunnerTask(deps, credential, { ...machine('i-0abc'), resourceClass: 'machine/large' })).rejects.toThrow(/belongs to machine\/medium/);
    await expect(claimRunnerTask(deps, credential, { ...machine('i-0abc'), resourceClass: 'acme/gpu' })).rejects.toBeInstanceOf(UnauthorizedError);
    // Whatever name it gives, the instance claims as itself.
    const claimed = await claimRunnerTask(deps, credential, machine('spoofed-name'));
    expect(claimed).toMatchObject({ resourceClass: 'machine/medium', jobId: msg.jobId });
    expect(await deps.tokens.verifyTask(claimed!.taskToken)).toEqual(msg);
    expect((await task()).tasks[0].computeId).toBe('machine:i-0abc');
    expect((await runners.listRunners('machine/medium')).map((r) => r.name)).toEqual(['i-0abc']);
    expect(autoscaling.commandCalls(SetInstanceProtectionCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: GROUP, InstanceIds: ['i-0abc'], ProtectedFromScaleIn: true },
    ]);
  });

  it("does not let a machine job claim another job with its instance's credential", async () => {
    const { deps, task, msg, launched, workflow } = await setup();
    await dispatchTask(deps, msg);
    const credential = await launched('i-0abc');
    await startTask(deps, await deps.tokens.verifyTask((await claimRunnerTask(deps, credential, machine('i-0abc')))!.taskToken));
    // A second machine job waits in the queue; a step of the first reads the instance credential and claims.
    const second = aJob(workflow, {
      status: 'queued',
      plan: aJobPlan({ executor: { type: 'machine', resourceClass: 'medium', images: [], machineImage: 'ubuntu-2204:current' } }),
      tasks: [{ index: 0, status: 'queued', attempt: 0, steps: [] }],
    });
    await deps.pipelines.createWorkflow({ ...workflow, id: `${workflow.id}-2` }, [{ ...second, workflowId: `${workflow.id}-2` }]);
    await dispatchTask(deps, { workflowId: `${workflow.id}-2`, jobId: second.id, taskIndex: 0, attempt: 0 });
    await expect(claimRunnerTask(deps, credential, machine('i-0abc'))).rejects.toThrow(/already claimed its one job/);
    const waiting = (await deps.pipelines.getJob(`${workflow.id}-2`, second.id))!;
    expect(waiting.tasks[0]).toMatchObject({ status: 'queued' });
    await expect(findTaskCompute(deps, waiting, waiting.tasks[0])).resolves.toMatch(/^runner:/);
    // Another instance's own credential takes it.
    expect(await claimRunnerTask(deps, await launched('i-0def'), machine('i-0def'))).toMatchObject({ jobId: second.id });
    expect((await task()).tasks[0]).toMatchObject({ status: 'running', computeId: 'machine:i-0abc' });
  });

  it('issues no credential to an instance going into the warm pool, only when it leaves it for service', async () => {
    const { deps, launched, runners } = await setup();
    expect(await launched('i-0warm', 'WarmPool')).toBeUndefined();
    expect(await runners.getMachineInstance('i-0warm')).toBeUndefined();
    expect(autoscaling.commandCalls(CompleteLifecycleActionCommand)).toHaveLength(1);
    expect(await launched('i-0warm', 'AutoScalingGroup')).toMatch(/^smi\.i-0warm\./);
    // A launch event of some other group is none of Slipway's business.
    expect(
      await handleInstanceLaunching(deps, {
        ...launchEvent('i-0other', 'AutoScalingGroup'),
        detail: { ...launchEvent('i-0other', '').detail, AutoScalingGroupName: 'not-slipway' },
      } as never),
    ).toEqual({ instanceId: 'i-0other', issued: false });
  });

  it('retries the task of a Spot-interrupted instance once as a new attempt through the reaper, then fails it', async () => {
    const { deps, task, dispatched, msg, launched } = await setup();
    await dispatchTask(deps, msg);
    await startTask(deps, await deps.tokens.verifyTask((await claimRunnerTask(deps, await launched('i-0abc'), machine('i-0abc')))!.taskToken));
    const warning = {
      'detail-type': 'EC2 Spot Instance Interruption Warning',
      source: 'aws.ec2',
      detail: { 'instance-id': 'i-0abc', 'instance-action': 'terminate' },
    };
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
    await startTask(deps, await deps.tokens.verifyTask((await claimRunnerTask(deps, await launched('i-0def'), machine('i-0def')))!.taskToken));
    expect(await handleSpotInterruption(deps, 'i-0def')).toEqual({ instanceId: 'i-0def', tasks: 1, retried: 0 });
    expect((await task()).tasks[0]).toMatchObject({ status: 'infrastructure_fail', attempt: 1 });
  });

  it('requeues the job of an instance Auto Scaling terminates, then completes its lifecycle action', async () => {
    const { deps, task, dispatched, msg, launched, runners } = await setup();
    await dispatchTask(deps, msg);
    await startTask(deps, await deps.tokens.verifyTask((await claimRunnerTask(deps, await launched('i-0abc'), machine('i-0abc')))!.taskToken));
    autoscaling.resetHistory();
    const event = {
      source: 'aws.autoscaling',
      'detail-type': 'EC2 Instance-terminate Lifecycle Action',
      detail: {
        EC2InstanceId: 'i-0abc',
        AutoScalingGroupName: GROUP,
        LifecycleHookName: 'slipway-requeue',
        LifecycleActionToken: 'tok-1',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      },
    };
    expect(isInstanceTerminating(event)).toBe(true);
    expect(await handleInstanceTerminating(deps, event as never)).toEqual({ computeId: 'machine:i-0abc', tasks: 1, retried: 1 });
    expect((await task()).tasks[0]).toMatchObject({ status: 'queued', attempt: 1 });
    expect((await task()).message).toMatch(/terminated by Auto Scaling/);
    expect(await dispatched(1)).toEqual([{ ...msg, attempt: 1 }]);
    expect(autoscaling.commandCalls(CompleteLifecycleActionCommand).map((c) => c.args[0].input)).toEqual([
      {
        AutoScalingGroupName: GROUP,
        LifecycleHookName: 'slipway-requeue',
        LifecycleActionToken: 'tok-1',
        InstanceId: 'i-0abc',
        LifecycleActionResult: 'CONTINUE',
      },
    ]);
    // Its credential is gone with it.
    expect(ssm.commandCalls(DeleteParameterCommand).map((c) => c.args[0].input.Name)).toContain(`${PATH}/i-0abc`);
    expect(await runners.getMachineInstance('i-0abc')).toBeUndefined();
  });

  it("retries at once a task whose Fargate task stopped before its agent ran (image pull), keeping ECS's reason", async () => {
    const { deps, task, dispatched, msg } = await setup();
    const taskArn = 'arn:aws:ecs:eu-west-1:111122223333:task/slipway/0123abcd';
    // The store records no compute for the task: ECS's event names it by the `startedBy` its launch gave.
    const event = {
      source: 'aws.ecs',
      'detail-type': 'ECS Task State Change',
      detail: {
        taskArn,
        startedBy: launchStartedBy({ jobId: msg.jobId, taskIndex: 0, attempt: 0 }),
        lastStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull access denied',
        containers: [{ name: 'primary', reason: 'CannotPullContainerError' }],
      },
    };
    expect(isEcsTaskStopped(event)).toBe(true);
    expect(isEcsTaskStopped({ ...event, detail: { ...event.detail, lastStatus: 'RUNNING' } })).toBe(false);
    // Another attempt's task, or a task Slipway did not start, is not this task's.
    const otherAttempt = launchStartedBy({ jobId: msg.jobId, taskIndex: 0, attempt: 1 });
    for (const startedBy of [otherAttempt, undefined]) {
      expect(await handleEcsTaskStopped(deps, { ...event, detail: { ...event.detail, startedBy } } as never)).toEqual({
        computeId: taskArn,
        tasks: 0,
        retried: 0,
      });
    }
    expect(await handleEcsTaskStopped(deps, event as never)).toEqual({ computeId: taskArn, tasks: 1, retried: 1 });
    const retried = await task();
    expect(retried.tasks[0]).toMatchObject({ status: 'queued', attempt: 1 });
    expect(retried.message).toBe(
      'The Fargate task stopped (TaskFailedToStart): CannotPullContainerError: pull access denied; primary: CannotPullContainerError',
    );
    expect(await dispatched(1)).toEqual([{ ...msg, attempt: 1 }]);
    // The same event again (EventBridge delivers at least once) finds nothing.
    expect(await handleEcsTaskStopped(deps, event as never)).toEqual({ computeId: taskArn, tasks: 0, retried: 0 });
  });

  it('terminates idle instances (polling for a while, running nothing) beyond the tasks waiting, decrementing capacity', async () => {
    const { deps, runners, msg, launched } = await setup();
    const now = deps.clock.now().getTime();
    const ago = (s: number) => new Date(now - s * 1000).toISOString();
    for (const name of ['i-0b05', 'i-0idle', 'i-0new']) {
      await runners.touchRunner({ resourceClass: 'machine/medium', name, version: '1', lastSeen: name === 'i-0new' ? ago(30) : ago(600) });
      await runners.touchRunner({ resourceClass: 'machine/medium', name, version: '1', lastSeen: ago(5) });
    }
    await dispatchTask(deps, msg);
    await claimRunnerTask(deps, await launched('i-0b05'), machine('i-0b05'));
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group(3));
    autoscaling.on(DescribeAutoScalingInstancesCommand).callsFake(({ InstanceIds }: { InstanceIds: string[] }) => ({
      AutoScalingInstances: InstanceIds.map((InstanceId) => ({
        InstanceId,
        AutoScalingGroupName: GROUP,
        LifecycleState: 'InService',
        ProtectedFromScaleIn: false,
      })),
    }));
    expect(await scaleInIdleMachines(deps)).toEqual(['i-0idle']);
    expect(autoscaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: 'i-0idle', ShouldDecrementDesiredCapacity: true },
    ]);
  });

  it('retires, from the control plane, an instance whose job is over and one that never registered within the grace period', async () => {
    const { deps, runners, msg, launched, advance } = await setup();
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group(3));
    autoscaling.on(DescribeAutoScalingInstancesCommand).callsFake(({ InstanceIds }: { InstanceIds: string[] }) => ({
      AutoScalingInstances: InstanceIds.map((InstanceId) => ({
        InstanceId,
        AutoScalingGroupName: GROUP,
        LifecycleState: 'InService',
        ProtectedFromScaleIn: InstanceId === 'i-0spent',
      })),
    }));
    await dispatchTask(deps, msg);
    const credential = await launched('i-0spent');
    await launched('i-0silent'); // its user data fails: its runner never asks for work
    const claims = await deps.tokens.verifyTask((await claimRunnerTask(deps, credential, machine('i-0spent')))!.taskToken);
    await startTask(deps, claims);
    advance(120);
    // A job runs on one; the other is still within its grace period.
    expect(await sweepMachineInstances(deps)).toEqual({ spent: [], unregistered: [], expired: [] });
    expect(autoscaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(0);

    await completeTask(deps, claims, { status: 'success', steps: [] });
    advance(14 * 60);
    expect(await sweepMachineInstances(deps)).toEqual({ spent: ['i-0spent'], unregistered: ['i-0silent'], expired: [] });
    expect(autoscaling.commandCalls(SetInstanceProtectionCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: GROUP, InstanceIds: ['i-0spent'], ProtectedFromScaleIn: true },
      { AutoScalingGroupName: GROUP, InstanceIds: ['i-0spent'], ProtectedFromScaleIn: false },
    ]);
    expect(autoscaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: 'i-0spent', ShouldDecrementDesiredCapacity: true },
      { InstanceId: 'i-0silent', ShouldDecrementDesiredCapacity: true },
    ]);
    expect(ssm.commandCalls(DeleteParameterCommand).map((c) => c.args[0].input.Name)).toEqual(
      expect.arrayContaining([`${PATH}/i-0spent`, `${PATH}/i-0silent`]),
    );
    expect(await runners.listMachineInstances()).toEqual([]);
    expect(await sweepMachineInstances(deps)).toEqual({ spent: [], unregistered: [], expired: [] });
  });

  it('refuses an expired credential and retires its idle instance', async () => {
    const { deps, launched, advance, msg } = await setup();
    autoscaling.on(DescribeAutoScalingInstancesCommand).resolves({
      AutoScalingInstances: [
        {
          InstanceId: 'i-0old',
          AutoScalingGroupName: GROUP,
          LifecycleState: 'InService',
          AvailabilityZone: 'eu-west-1a',
          HealthStatus: 'HEALTHY',
          ProtectedFromScaleIn: false,
        },
      ],
    });
    const credential = await launched('i-0old');
    await claimRunnerTask(deps, credential, machine('i-0old')); // registers (nothing queued yet)
    advance(8 * 24 * 3600 + 1);
    await dispatchTask(deps, msg);
    await expect(claimRunnerTask(deps, credential, machine('i-0old'))).rejects.toThrow(/expired/);
    expect(await sweepMachineInstances(deps)).toEqual({ spent: [], unregistered: [], expired: ['i-0old'] });
  });

  it('keeps a group at its minimum when retiring: the instance is replaced, not removed', async () => {
    const { deps, launched, advance } = await setup();
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ ...group(1).AutoScalingGroups[0], MinSize: 1 }] });
    autoscaling.on(DescribeAutoScalingInstancesCommand).resolves({
      AutoScalingInstances: [
        {
          InstanceId: 'i-0silent',
          AutoScalingGroupName: GROUP,
          LifecycleState: 'InService',
          AvailabilityZone: 'eu-west-1a',
          HealthStatus: 'HEALTHY',
          ProtectedFromScaleIn: false,
        },
      ],
    });
    await launched('i-0silent');
    advance(16 * 60);
    expect((await sweepMachineInstances(deps)).unregistered).toEqual(['i-0silent']);
    expect(autoscaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: 'i-0silent', ShouldDecrementDesiredCapacity: false },
    ]);
  });
});
