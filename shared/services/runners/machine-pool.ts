import type { Job } from '../../model/entities';
import { findMachineResourceClass, machineRunnerClass } from '../../model/resource-classes';
import type { ControlPlaneDeps } from '../deps';

export type { LifecycleAction, MachinePool } from '../../ports/machine-pool';

const POOL_PREFIX = 'machine/';
const INSTANCE_PREFIX = 'machine:';

/** Whether a runner queue class is a machine pool (`machine/<class>`) rather than a self-hosted class. */
export const isMachineRunnerClass = (resourceClass: string | undefined): boolean => !!resourceClass?.startsWith(POOL_PREFIX);

/** The compute id of a task claimed by the runner of an EC2 instance: `machine:<instance id>`. */
export const machineInstanceComputeId = (instanceId: string): string => `${INSTANCE_PREFIX}${instanceId}`;

export interface IdleScaleInOptions {
  /** An instance's runner must have been polling this long without work before it is idle. @default 300 */
  idleSeconds?: number;
  /** A runner not seen for this long is busy or gone, not idle. @default 60 */
  seenWithinSeconds?: number;
}

/**
 * Scale-in of idle machine instances (cron): per class, the runners that keep asking for work (seen recently),
 * have done so for `idleSeconds`, and run no active task, beyond as many as there are tasks waiting for the class.
 * The pool never goes below a group's minimum and touches only its own groups. Resolves the terminated ids.
 */
export async function scaleInIdleMachines(
  deps: Pick<ControlPlaneDeps, 'machinePool' | 'runners' | 'pipelines' | 'clock'>,
  options: IdleScaleInOptions = {},
): Promise<string[]> {
  const pool = deps.machinePool;
  if (!pool || pool.classes.length === 0) return [];
  const now = deps.clock.now().getTime();
  const idleMs = (options.idleSeconds ?? 300) * 1000;
  const seenMs = (options.seenWithinSeconds ?? 60) * 1000;
  const busy = new Set(
    (await deps.pipelines.listActiveJobs()).flatMap((j) => j.tasks.map((t) => t.computeId)).filter((id): id is string => !!id?.startsWith(INSTANCE_PREFIX)),
  );
  const idle: string[] = [];
  for (const cls of pool.classes) {
    const runnerClass = machineRunnerClass(cls);
    const waiting = (await deps.runners.listQueued(runnerClass)).length;
    const candidates = (await deps.runners.listRunners(runnerClass)).filter(
      (r) => now - Date.parse(r.lastSeen) <= seenMs && now - Date.parse(r.firstSeen) >= idleMs && !busy.has(machineInstanceComputeId(r.name)),
    );
    idle.push(...candidates.slice(waiting).map((r) => r.name));
  }
  return idle.length ? pool.scaleIn(idle) : [];
}

/**
 * The demand of a machine pool: tasks of its class waiting for or running on an instance (the group's target
 * capacity, not an increment; each instance takes one task).
 */
export function machineDemand(activeJobs: readonly Job[], poolClass: string): number {
  return activeJobs
    .filter(
      (j) =>
        j.plan.executor.type === 'machine' &&
        (findMachineResourceClass(j.plan.executor.resourceClass)?.name ?? j.plan.executor.resourceClass ?? '') === poolClass,
    )
    .reduce((n, j) => n + j.tasks.filter((t) => t.status === 'queued' || t.status === 'running').length, 0);
}
