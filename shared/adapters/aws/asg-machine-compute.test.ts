import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { ComputeCapacityError, ValidationError } from '../../model/errors';
import { MACHINE_RESOURCE_CLASSES } from '../../model/resource-classes';
import type { TaskLaunch } from '../../ports/job-compute';
import { AsgMachineCompute } from './asg-machine-compute';

const asMock = mockClient(AutoScalingClient);
const groups = Object.fromEntries(MACHINE_RESOURCE_CLASSES.map((c) => [c.name, `slipway-machine-${c.name}`]));

function launch(resourceClass: string): TaskLaunch {
  return {
    jobId: 'job-1',
    workflowId: 'wf-1',
    projectSlug: 'gh/acme/app',
    taskIndex: 0,
    attempt: 1,
    taskToken: 't',
    taskCode: 'c',
    controlPlaneUrl: 'https://ci.example.com',
    executor: { type: 'machine', resourceClass, images: [], machineImage: 'ubuntu-2204:current' },
  };
}

function group(desired: number, min = 0, max = 5) {
  asMock.on(DescribeAutoScalingGroupsCommand).callsFake(({ AutoScalingGroupNames }: { AutoScalingGroupNames: string[] }) => ({
    AutoScalingGroups: [{ AutoScalingGroupName: AutoScalingGroupNames[0], DesiredCapacity: desired, MinSize: min, MaxSize: max }],
  }));
}

function compute(demand = 1) {
  return new AsgMachineCompute(new AutoScalingClient({ region: 'us-east-1' }), { groups, demand: async () => demand });
}

beforeEach(() => {
  asMock.reset();
  asMock.on(SetDesiredCapacityCommand).resolves({});
  asMock.on(TerminateInstanceInAutoScalingGroupCommand).resolves({});
});

describe('AsgMachineCompute', () => {
  it.each(MACHINE_RESOURCE_CLASSES.map((c) => c.name))('scales the %s group out to its demand and returns its pool', async (resourceClass) => {
    group(1);
    const result = await compute(3).launch(launch(resourceClass));
    expect(result.computeId).toBe(`pool:${resourceClass}`);
    expect(asMock.commandCalls(DescribeAutoScalingGroupsCommand)[0].args[0].input).toEqual({ AutoScalingGroupNames: [`slipway-machine-${resourceClass}`] });
    expect(asMock.commandCalls(SetDesiredCapacityCommand)[0].args[0].input).toEqual({
      AutoScalingGroupName: `slipway-machine-${resourceClass}`,
      DesiredCapacity: 3,
      HonorCooldown: false,
    });
  });

  it('never scales above the group maximum', async () => {
    group(2, 0, 4);
    await compute(10).launch(launch('medium'));
    expect(asMock.commandCalls(SetDesiredCapacityCommand)[0].args[0].input.DesiredCapacity).toBe(4);
  });

  it('does not touch the group when it already covers the demand (a duplicate launch changes nothing)', async () => {
    group(3);
    await compute(3).launch(launch('medium'));
    await compute(2).launch(launch('medium'));
    expect(asMock.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
  });

  it('maps a busy group to ComputeCapacityError', async () => {
    group(0);
    const busy = new Error('busy');
    busy.name = 'ScalingActivityInProgressFault';
    asMock.on(SetDesiredCapacityCommand).rejects(busy);
    await expect(compute(1).launch(launch('medium'))).rejects.toBeInstanceOf(ComputeCapacityError);
  });

  it('rejects a class without a group, naming the available ones', async () => {
    await expect(compute().launch(launch('gpu.nvidia.large'))).rejects.toThrow(ValidationError);
    await expect(compute().launch(launch('gpu.nvidia.large'))).rejects.toThrow(/Use one of: medium, large/);
  });

  it('reports a missing group as a configuration error', async () => {
    asMock.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(compute().launch(launch('medium'))).rejects.toThrow(/was not found/);
  });

  it('scales in only idle InService instances of its groups, never below the minimum', async () => {
    group(3, 1);
    asMock.on(DescribeAutoScalingInstancesCommand).resolves({
      AutoScalingInstances: [
        { InstanceId: 'i-1', AutoScalingGroupName: 'slipway-machine-medium', LifecycleState: 'InService', ProtectedFromScaleIn: false },
        { InstanceId: 'i-2', AutoScalingGroupName: 'slipway-machine-medium', LifecycleState: 'Pending', ProtectedFromScaleIn: false },
        { InstanceId: 'i-3', AutoScalingGroupName: 'someone-else', LifecycleState: 'InService', ProtectedFromScaleIn: false },
        { InstanceId: 'i-4', AutoScalingGroupName: 'slipway-machine-medium', LifecycleState: 'InService', ProtectedFromScaleIn: false },
        { InstanceId: 'i-5', AutoScalingGroupName: 'slipway-machine-medium', LifecycleState: 'InService', ProtectedFromScaleIn: false },
      ] as never,
    });
    const terminated = await compute().scaleIn(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
    expect(terminated).toEqual(['i-1', 'i-4']);
    expect(asMock.commandCalls(TerminateInstanceInAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: 'i-1', ShouldDecrementDesiredCapacity: true },
      { InstanceId: 'i-4', ShouldDecrementDesiredCapacity: true },
    ]);
  });

  it('scales in nothing for an empty list and stops pooled capacity as a no-op', async () => {
    expect(await compute().scaleIn([])).toEqual([]);
    await compute().stop('pool:medium', 'canceled');
    expect(asMock.calls()).toHaveLength(0);
  });
});
