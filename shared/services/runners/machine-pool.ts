import { timingSafeEqual } from 'node:crypto';
import { machineRunnerClass } from '../../model/resource-classes';
import type { RunnerQueueEntry } from '../../ports/runner-store';
import type { ControlPlaneDeps } from '../deps';
import { hashToken } from '../identity/tokens';

/**
 * The EC2 machine pools (AWS mode): one auto scaling group per machine resource class, whose instances run
 * `slipway runner --resource-class machine/<class>` and take one job each.
 */
export interface MachinePool {
  /** Machine resource classes that have a group. */
  readonly classes: readonly string[];
  /** Terminates the given idle instances, lowering their group's desired capacity; resolves the ids terminated. */
  scaleIn(instanceIds: readonly string[]): Promise<string[]>;
  /** The machine runners' shared token, or `undefined` when none is configured. */
  runnerToken(): Promise<string | undefined>;
  /** Lets a terminating instance go once its job was requeued (completes its termination lifecycle action). */
  completeTermination?(action: { instanceId: string; groupName: string; hookName: string; token: string }): Promise<void>;
}

const POOL_PREFIX = 'machine/';
const INSTANCE_PREFIX = 'machine:';

/** Whether a runner queue class is a machine pool (`machine/<class>`) rather than a self-hosted class. */
export const isMachineRunnerClass = (resourceClass: string | undefined): boolean => !!resourceClass?.startsWith(POOL_PREFIX);

/** The compute id of a task claimed by the runner of an EC2 instance: `machine:<instance id>`. */
export const machineInstanceComputeId = (instanceId: string): string => `${INSTANCE_PREFIX}${instanceId}`;

/**
 * Whether `presented` is the machine runners' token and the runner asks for a machine pool class. Compared as
 * hashes in constant time. Resolves the resource class the runner may claim for, or `undefined`.
 */
export async function machineRunnerClassFor(deps: Pick<ControlPlaneDeps, 'machinePool'>, presented: string, resourceClass: string | undefined): Promise<string | undefined> {
  if (!isMachineRunnerClass(resourceClass) || !deps.machinePool) return undefined;
  const expected = await deps.machinePool.runnerToken();
  if (!expected) return undefined;
  return timingSafeEqual(Buffer.from(hashToken(presented), 'hex'), Buffer.from(hashToken(expected), 'hex')) ? resourceClass : undefined;
}

/**
 * Records which instance claimed a machine task (its compute id becomes `machine:<instance id>`), so a Spot
 * interruption of that instance finds the task. Conditional on the task still being queued at that attempt.
 */
export async function recordMachineInstance(deps: Pick<ControlPlaneDeps, 'pipelines'>, entry: Pick<RunnerQueueEntry, 'workflowId' | 'jobId' | 'taskIndex' | 'attempt'>, instanceId: string): Promise<void> {
  await deps.pipelines.updateTask(entry.workflowId, entry.jobId, entry.taskIndex, { status: 'queued', attempt: entry.attempt }, { computeId: machineInstanceComputeId(instanceId) });
}

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
export async function scaleInIdleMachines(deps: Pick<ControlPlaneDeps, 'machinePool' | 'runners' | 'pipelines' | 'clock'>, options: IdleScaleInOptions = {}): Promise<string[]> {
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
