import type { AutoScalingClient, AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { ComputeCapacityError, ValidationError } from '../../model/errors';
import { findMachineResourceClass } from '../../model/resource-classes';
import type { JobCompute, LaunchResult, TaskLaunch, TaskRef } from '../../ports/job-compute';
import { clientOf, sdk, type ClientSource } from './lazy-sdk';

export interface AsgMachineComputeOptions {
  /** Auto scaling group name per machine resource class (`MACHINE_ASGS`, a JSON map). */
  readonly groups: Readonly<Record<string, string>>;
  /**
   * How many instances the class needs right now: its tasks that are running on an instance or waiting for one,
   * including the task being launched. Read from the store by the composition root; the adapter only turns it
   * into a desired capacity, which keeps `launch` idempotent (a second call computes the same target).
   */
  readonly demand: (resourceClass: string) => Promise<number>;
}

/** Auto Scaling errors that mean "busy, try again shortly". */
const TRANSIENT_ERRORS = new Set(['ResourceContentionFault', 'ScalingActivityInProgressFault', 'Throttling', 'ThrottlingException']);

/** The machine class a task asks for (its name as the groups are keyed, for an alias). */
const classOf = (task: Pick<TaskRef, 'executor'>) => findMachineResourceClass(task.executor.resourceClass)?.name ?? task.executor.resourceClass;

/** The compute id of pooled capacity for a machine class. */
export function poolId(resourceClass: string): string {
  return `pool:${resourceClass}`;
}

/**
 * Machine executor on EC2 auto scaling groups, one group per machine resource class. Instances run the agent in
 * runner mode and claim tasks of their class from the control plane, so `launch` does not bind a task to an
 * instance: it makes sure the group has (or is starting) enough instances for the class's demand and returns
 * `pool:<class>`.
 *
 * Scaling: out fast (`SetDesiredCapacity` without honouring the cooldown, straight to the demand, capped at the
 * group's maximum, never lowered here); in only through {@link AsgMachineCompute.scaleIn}, called by the cron
 * function with the instances whose runners have been idle, so a busy instance is never terminated.
 *
 * Idempotent and safe to call concurrently: the target is computed from the demand, not by incrementing.
 */
export class AsgMachineCompute implements JobCompute {
  private readonly autoscaling: () => AutoScalingClient;

  constructor(
    autoscaling: ClientSource<AutoScalingClient>,
    private readonly options: AsgMachineComputeOptions,
  ) {
    this.autoscaling = clientOf(autoscaling);
  }

  async launch(task: TaskLaunch): Promise<LaunchResult> {
    const resourceClass = classOf(task);
    const groupName = this.options.groups[resourceClass];
    if (!groupName) {
      throw new ValidationError(
        `Resource class "${task.executor.resourceClass}" is not available for the machine executor. Use one of: ${Object.keys(this.options.groups).join(', ')}.`,
        { jobId: task.jobId, resourceClass: task.executor.resourceClass },
      );
    }
    const group = await this.describe(groupName, task);
    const demand = await this.options.demand(resourceClass);
    const max = group.MaxSize ?? 0;
    const desired = group.DesiredCapacity ?? 0;
    const target = Math.min(max, Math.max(desired, demand));
    if (target > desired) {
      const { SetDesiredCapacityCommand } = sdk.autoScaling();
      const scaleOut = new SetDesiredCapacityCommand({ AutoScalingGroupName: groupName, DesiredCapacity: target, HonorCooldown: false });
      await guard(() => this.autoscaling().send(scaleOut), task);
    }
    // At the maximum the task simply waits for an instance of the pool to become free; the reaper's lease does
    // not run while a task is unclaimed, so this is not an error.
    return { computeId: poolId(resourceClass) };
  }

  /** Pooled capacity is not bound to a task: the pool of its class, where the class has a group. */
  async find(task: TaskRef): Promise<string | undefined> {
    const resourceClass = classOf(task);
    return this.options.groups[resourceClass] ? poolId(resourceClass) : undefined;
  }

  /** Pooled capacity is not bound to a task: a canceled task learns it from its heartbeat reply. */
  async stop(_computeId: string, _reason: string): Promise<void> {}

  /**
   * Terminates the given idle instances and lowers the desired capacity with them. Only instances that belong
   * to one of Slipway's groups and are `InService` are touched, and never more than a group can lose without
   * going below its minimum. Returns the instance ids that were terminated. Safe to call twice.
   */
  async scaleIn(idleInstanceIds: readonly string[]): Promise<string[]> {
    if (idleInstanceIds.length === 0) return [];
    const { DescribeAutoScalingInstancesCommand, TerminateInstanceInAutoScalingGroupCommand } = sdk.autoScaling();
    const ours = new Set(Object.values(this.options.groups));
    const described = await this.autoscaling().send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [...idleInstanceIds] }));
    const candidates = (described.AutoScalingInstances ?? []).filter(
      (i) => i.InstanceId && i.AutoScalingGroupName && ours.has(i.AutoScalingGroupName) && i.LifecycleState === 'InService' && !i.ProtectedFromScaleIn,
    );
    const byGroup = new Map<string, string[]>();
    for (const i of candidates) byGroup.set(i.AutoScalingGroupName!, [...(byGroup.get(i.AutoScalingGroupName!) ?? []), i.InstanceId!]);
    const terminated: string[] = [];
    for (const [groupName, ids] of byGroup) {
      const group = await this.describe(groupName);
      let removable = Math.max(0, (group.DesiredCapacity ?? 0) - (group.MinSize ?? 0));
      for (const id of ids) {
        if (removable === 0) break;
        const terminate = new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: true });
        await guard(() => this.autoscaling().send(terminate));
        removable -= 1;
        terminated.push(id);
      }
    }
    return terminated;
  }

  /** The machine class of one of Slipway's groups. */
  classOfGroup(groupName: string): string | undefined {
    return Object.entries(this.options.groups).find(([, g]) => g === groupName)?.[0];
  }

  /**
   * Terminates instances of Slipway's groups that are done, scale-in protected or not (protection does not stop
   * TerminateInstanceInAutoScalingGroup), lowering the desired capacity while the group is above its minimum;
   * at the minimum a fresh instance replaces each. Instances already terminating or gone are skipped.
   */
  async retire(instanceIds: readonly string[]): Promise<string[]> {
    if (instanceIds.length === 0) return [];
    const { DescribeAutoScalingInstancesCommand, TerminateInstanceInAutoScalingGroupCommand } = sdk.autoScaling();
    const ours = new Set(Object.values(this.options.groups));
    const described = await this.autoscaling().send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [...instanceIds] }));
    const live = (described.AutoScalingInstances ?? []).filter(
      (i) => i.InstanceId && ours.has(i.AutoScalingGroupName ?? '') && !/^Terminat/.test(i.LifecycleState ?? ''),
    );
    const terminated: string[] = [];
    for (const groupName of new Set(live.map((i) => i.AutoScalingGroupName!))) {
      const group = await this.describe(groupName);
      let removable = Math.max(0, (group.DesiredCapacity ?? 0) - (group.MinSize ?? 0));
      for (const i of live.filter((x) => x.AutoScalingGroupName === groupName)) {
        const terminate = new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: i.InstanceId, ShouldDecrementDesiredCapacity: removable > 0 });
        try {
          await guard(() => this.autoscaling().send(terminate));
        } catch (error) {
          // Gone in the meantime (or already terminating): nothing left to do.
          if ((error as Error).name === 'ValidationError') continue;
          throw error;
        }
        removable = Math.max(0, removable - 1);
        terminated.push(i.InstanceId!);
      }
    }
    return terminated;
  }

  /** Sets or clears the scale-in protection of one instance of one of Slipway's groups. */
  async protect(instanceId: string, groupName: string, on: boolean): Promise<void> {
    if (!this.classOfGroup(groupName)) return;
    const { SetInstanceProtectionCommand } = sdk.autoScaling();
    const set = new SetInstanceProtectionCommand({ AutoScalingGroupName: groupName, InstanceIds: [instanceId], ProtectedFromScaleIn: on });
    await guard(() => this.autoscaling().send(set));
  }

  /** Completes the launch lifecycle action (CONTINUE): the instance's credential is in place. */
  completeLaunch(action: { instanceId: string; groupName: string; hookName: string; token: string }): Promise<void> {
    return this.completeTermination(action);
  }

  /**
   * Completes the termination lifecycle action of an instance of one of Slipway's groups (CONTINUE): its job has
   * been requeued. An action already completed or timed out is not an error. (Launch actions complete the same way.)
   */
  async completeTermination(action: { instanceId: string; groupName: string; hookName: string; token: string }): Promise<void> {
    if (!Object.values(this.options.groups).includes(action.groupName)) return;
    const { CompleteLifecycleActionCommand } = sdk.autoScaling();
    const complete = new CompleteLifecycleActionCommand({
      AutoScalingGroupName: action.groupName,
      LifecycleHookName: action.hookName,
      LifecycleActionToken: action.token,
      InstanceId: action.instanceId,
      LifecycleActionResult: 'CONTINUE',
    });
    try {
      await guard(() => this.autoscaling().send(complete));
    } catch (error) {
      if ((error as Error).name === 'ValidationError') return;
      throw error;
    }
  }

  private async describe(groupName: string, task?: TaskLaunch): Promise<AutoScalingGroup> {
    const { DescribeAutoScalingGroupsCommand } = sdk.autoScaling();
    const command = new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] });
    const out = await guard(() => this.autoscaling().send(command), task);
    const group = out.AutoScalingGroups?.[0];
    if (!group) {
      throw new ValidationError(`Auto scaling group ${groupName} was not found; redeploy the Slipway stack or fix MACHINE_ASGS.`, { groupName });
    }
    return group;
  }
}

/** Runs an Auto Scaling call, turning "busy" errors into `ComputeCapacityError` (the caller retries via the queue). */
async function guard<T>(call: () => Promise<T>, task?: TaskLaunch): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = (error as Error).name;
    if (TRANSIENT_ERRORS.has(name)) {
      throw new ComputeCapacityError(`EC2 Auto Scaling is busy (${name}); the job is retried shortly.`, { jobId: task?.jobId }, { cause: error });
    }
    throw error;
  }
}
