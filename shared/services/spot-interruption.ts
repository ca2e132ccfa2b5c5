import type { Job, TaskState } from '../model/entities';
import type { ControlPlaneDeps } from './deps';
import { machineInstanceComputeId } from './machine-pool';
import { reconcile, type ReaperOptions } from './reconcile';

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
 * `machine:<instance id>`) will lose its agent. The reaper's own path handles it at once instead of after the lease:
 * retried as a new attempt while infrastructure retries remain (once, by default), else `infrastructure_fail`.
 * Idempotent: a second warning finds no task on the instance (the retry cleared its compute id).
 */
export async function handleSpotInterruption(deps: ControlPlaneDeps, instanceId: string, options: Partial<ReaperOptions> = {}): Promise<SpotInterruptionReport> {
  const computeId = machineInstanceComputeId(instanceId);
  const key = (job: Job, task: TaskState) => `${job.id}#${task.index}#${task.attempt}`;
  const claimed = (await deps.pipelines.listActiveJobs()).flatMap((job) =>
    job.tasks.filter((t) => t.computeId === computeId && (t.status === 'running' || t.status === 'queued')).map((task) => ({ job, task })),
  );
  if (claimed.length === 0) return { instanceId, tasks: 0, retried: 0 };
  const lost = new Set(claimed.map(({ job, task }) => key(job, task)));
  const report = await reconcile(deps, {
    ...options,
    workflowIds: [...new Set(claimed.map(({ job }) => job.workflowId))],
    lost: (job, task) => task.computeId === computeId && lost.has(key(job, task)),
  });
  return { instanceId, tasks: claimed.length, retried: report.tasksRetried };
}
