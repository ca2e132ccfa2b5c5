import { handleComputeLost, type ComputeLostReport } from './compute-lost';
import type { ControlPlaneDeps } from '../deps';
import { machineInstanceComputeId } from '../runners/machine-pool';
import { forgetMachineInstances } from '../runners/machine-instances';
import type { ReaperOptions } from './reconcile';

/** EventBridge: an ECS task of Slipway's cluster stopped (rule: lastStatus STOPPED, group `slipway:*`). */
export interface EcsTaskStopped {
  source: 'aws.ecs';
  'detail-type': 'ECS Task State Change';
  detail: {
    taskArn: string;
    /** What launched the task: Slipway's tasks carry one per (job, task, attempt) (`launchStartedBy`). */
    startedBy?: string;
    lastStatus: 'STOPPED';
    stopCode?: string;
    stoppedReason?: string;
    containers?: Array<{ name?: string; reason?: string; exitCode?: number }>;
  };
}

export function isEcsTaskStopped(event: unknown): event is EcsTaskStopped {
  const e = event as Partial<EcsTaskStopped> | undefined;
  return e?.source === 'aws.ecs' && e['detail-type'] === 'ECS Task State Change' && e.detail?.lastStatus === 'STOPPED' && typeof e.detail.taskArn === 'string';
}

/** Why ECS stopped a task, in one line: the stop code, ECS's reason, and the containers' own reasons (image pulls). */
export function ecsStopReason(detail: EcsTaskStopped['detail']): string {
  const containers = (detail.containers ?? []).filter((c) => c.reason).map((c) => `${c.name}: ${c.reason}`);
  const parts = [detail.stoppedReason, ...containers].filter(Boolean).join('; ');
  return `The Fargate task stopped (${detail.stopCode ?? 'unknown stop code'}): ${parts || 'no reason given'}`.slice(0, 1000);
}

/** EventBridge: an instance of a machine group is terminating and its lifecycle hook waits for Slipway. */
export interface InstanceTerminating {
  source: 'aws.autoscaling';
  'detail-type': 'EC2 Instance-terminate Lifecycle Action';
  detail: { EC2InstanceId: string; AutoScalingGroupName: string; LifecycleHookName: string; LifecycleActionToken: string };
}

export function isInstanceTerminating(event: unknown): event is InstanceTerminating {
  const e = event as Partial<InstanceTerminating> | undefined;
  return e?.source === 'aws.autoscaling' && e['detail-type'] === 'EC2 Instance-terminate Lifecycle Action' && typeof e.detail?.EC2InstanceId === 'string';
}

/**
 * A Fargate task stopped. If its job was still waiting for it or running on it (an image that cannot be pulled,
 * no capacity, the task killed), the job is retried or failed within seconds with ECS's reason as its message,
 * instead of after the lease or the queued limit. A task that stopped after its job finished changes nothing.
 */
export function handleEcsTaskStopped(deps: ControlPlaneDeps, event: EcsTaskStopped, options: Partial<ReaperOptions> = {}): Promise<ComputeLostReport> {
  return handleComputeLost(deps, event.detail.taskArn, ecsStopReason(event.detail), options, event.detail.startedBy);
}

/**
 * An instance of a machine group is being terminated by Auto Scaling (instance refresh, maximum lifetime, a
 * health check, or Slipway retiring it): its job is requeued at once, its runner credential deleted, then the
 * lifecycle action is completed so termination goes on.
 */
export async function handleInstanceTerminating(
  deps: ControlPlaneDeps,
  event: InstanceTerminating,
  options: Partial<ReaperOptions> = {},
): Promise<ComputeLostReport> {
  const { EC2InstanceId: instanceId, AutoScalingGroupName: groupName, LifecycleHookName: hookName, LifecycleActionToken: token } = event.detail;
  const report = await handleComputeLost(
    deps,
    machineInstanceComputeId(instanceId),
    `The EC2 instance running this job was terminated by Auto Scaling.`,
    options,
  );
  if (deps.machinePool?.classOfGroup(groupName)) await forgetMachineInstances(deps, [instanceId]);
  await deps.machinePool?.completeTermination({ instanceId, groupName, hookName, token });
  return report;
}
