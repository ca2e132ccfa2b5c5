import { handleComputeLost } from './compute-lost';
import type { ControlPlaneDeps } from '../deps';
import { machineInstanceComputeId } from '../runners/machine-pool';
import type { ReaperOptions } from './reconcile';

/** The EventBridge event EC2 sends two minutes before it reclaims a Spot instance. */
export interface SpotInterruptionWarning {
  'detail-type': 'EC2 Spot Instance Interruption Warning';
  source: 'aws.ec2';
  detail: { 'instance-id': string; 'instance-action'?: string };
}

export function isSpotInterruptionWarning(event: unknown): event is SpotInterruptionWarning {
  const e = event as Partial<SpotInterruptionWarning> | undefined;
  return e?.['detail-type'] === 'EC2 Spot Instance Interruption Warning' && typeof e.detail?.['instance-id'] === 'string';
}

export interface SpotInterruptionReport {
  instanceId: string;
  /** Tasks the instance's runner had claimed. */
  tasks: number;
  /** Of those, retried as a new attempt (the rest ended `infrastructure_fail`, their retries spent). */
  retried: number;
}

/**
 * A Spot instance of a machine pool is about to be reclaimed: the task its runner claimed (its compute id is
 * `machine:<instance id>`) will lose its agent, and is retried at once ({@link handleComputeLost}).
 */
export async function handleSpotInterruption(
  deps: ControlPlaneDeps,
  instanceId: string,
  options: Partial<ReaperOptions> = {},
): Promise<SpotInterruptionReport> {
  const report = await handleComputeLost(deps, machineInstanceComputeId(instanceId), 'The EC2 Spot instance running this job was reclaimed.', options);
  return { instanceId, tasks: report.tasks, retried: report.retried };
}
