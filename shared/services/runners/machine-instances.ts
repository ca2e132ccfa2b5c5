import { randomBytes, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../../model/errors';
import { machineRunnerClass } from '../../model/resource-classes';
import type { MachineInstance } from '../../ports/runner-store';
import type { ControlPlaneDeps } from '../deps';
import { machineInstanceComputeId, type LifecycleAction } from './machine-pool';
import { hashToken } from '../identity/tokens';

// Per-instance runner identity of the EC2 machine pools (AWS mode). When an instance launches, the control plane
// issues it a credential that only that instance can read (an SSM SecureString parameter tagged with the
// instance's ARN; the instance role may read a parameter only when the tag equals `${ec2:SourceInstanceARN}`).
// The credential claims one task of the instance's class, once: a job running on the instance (which can reach
// the instance role) cannot claim another job, nor claim for another class. The control plane, never the
// instance, terminates instances: when their job is over, when they never registered, when the credential expired.

const PREFIX = 'smi';
/** A credential outlives the longest an instance lives (the groups' maximum instance lifetime, 7 days). */
export const MACHINE_CREDENTIAL_LIFETIME_SECONDS = 8 * 24 * 3600;
/** An instance whose runner has not asked for work this long after launch never will (its user data failed). */
export const UNREGISTERED_GRACE_SECONDS = 15 * 60;

/** How long after a claim an instance with no active task counts as spent (the claim's writes are done by then). */
const CLAIM_SETTLE_MS = 60_000;

/** An EC2 instance id (letters and digits only: it is part of a parameter name and of the credential). */
const isInstanceId = (s: string) => /^i-[0-9a-zA-Z]{1,40}$/.test(s);

/** Whether a runner presents a machine instance credential (`smi.<instance id>.<secret>`), not a runner token. */
export const isMachineCredential = (token: string): boolean => token.startsWith(`${PREFIX}.`);

/** EventBridge: an instance of a machine group is launching and its launch lifecycle hook waits for Slipway. */
export interface InstanceLaunching {
  source: 'aws.autoscaling';
  'detail-type': 'EC2 Instance-launch Lifecycle Action';
  detail: {
    EC2InstanceId: string;
    AutoScalingGroupName: string;
    LifecycleHookName: string;
    LifecycleActionToken: string;
    Origin?: string;
    Destination?: string;
  };
}

export function isInstanceLaunching(event: unknown): event is InstanceLaunching {
  const e = event as Partial<InstanceLaunching> | undefined;
  return e?.source === 'aws.autoscaling' && e['detail-type'] === 'EC2 Instance-launch Lifecycle Action' && typeof e.detail?.EC2InstanceId === 'string';
}

const actionOf = (e: InstanceLaunching): LifecycleAction => ({
  instanceId: e.detail.EC2InstanceId,
  groupName: e.detail.AutoScalingGroupName,
  hookName: e.detail.LifecycleHookName,
  token: e.detail.LifecycleActionToken,
});

/**
 * An instance of a machine group is launching: issue its credential (the hash in the store, the value where only
 * it can read it), then let it go into service. An instance going into the warm pool gets none yet: it gets one
 * when it leaves the pool for service (the hook fires again then). A redelivered event replaces a credential not
 * yet used; one already used (the instance has claimed) is kept. Resolves whether a credential was issued.
 */
export async function handleInstanceLaunching(
  deps: Pick<ControlPlaneDeps, 'machinePool' | 'runners' | 'clock'>,
  event: InstanceLaunching,
): Promise<{ instanceId: string; issued: boolean }> {
  const pool = deps.machinePool;
  const action = actionOf(event);
  const resourceClass = pool?.classOfGroup(action.groupName);
  if (!pool || !resourceClass || !isInstanceId(action.instanceId)) return { instanceId: action.instanceId, issued: false };
  let issued = false;
  const existing = await deps.runners.getMachineInstance(action.instanceId);
  if (event.detail.Destination !== 'WarmPool' && !existing?.claimedTask) {
    const credential = `${PREFIX}.${action.instanceId}.${randomBytes(32).toString('base64url')}`;
    const now = deps.clock.now();
    await deps.runners.putMachineInstance({
      instanceId: action.instanceId,
      resourceClass,
      groupName: action.groupName,
      credentialHash: hashToken(credential),
      issuedAt: now.toISOString(),
      credentialExpiresAt: new Date(now.getTime() + MACHINE_CREDENTIAL_LIFETIME_SECONDS * 1000).toISOString(),
    });
    await pool.storeCredential(action.instanceId, credential);
    issued = true;
  }
  await pool.completeLaunch(action);
  return { instanceId: action.instanceId, issued };
}

/**
 * Checks a machine instance credential: issued to that instance, unexpired, not used for a claim yet, and for the
 * class the runner names (when it names one). Compared as hashes in constant time. Throws `UnauthorizedError`.
 */
export async function authenticateMachineInstance(
  deps: Pick<ControlPlaneDeps, 'runners' | 'clock'>,
  credential: string,
  resourceClass: string | undefined,
): Promise<MachineInstance> {
  const instanceId = credential.split('.')[1] ?? '';
  const instance = isInstanceId(instanceId) ? await deps.runners.getMachineInstance(instanceId) : undefined;
  const matches =
    !!instance &&
    instance.credentialHash.length === 64 &&
    timingSafeEqual(Buffer.from(hashToken(credential), 'hex'), Buffer.from(instance.credentialHash, 'hex'));
  if (!instance || !matches)
    throw new UnauthorizedError('Invalid machine instance credential: the control plane issues one to each machine instance when it launches.');
  if (Date.parse(instance.credentialExpiresAt) <= deps.clock.now().getTime())
    throw new UnauthorizedError(`The credential of instance ${instanceId} expired; the instance is replaced.`);
  if (instance.claimedTask) throw new UnauthorizedError(`Instance ${instanceId} already claimed its one job; its credential claims nothing more.`);
  if (resourceClass && resourceClass !== machineRunnerClass(instance.resourceClass)) {
    throw new UnauthorizedError(`Instance ${instanceId} belongs to ${machineRunnerClass(instance.resourceClass)}; it cannot claim for ${resourceClass}.`);
  }
  return instance;
}

/** Terminates instances and forgets their credentials (record and parameter). Resolves the ids terminated. */
export async function retireMachineInstances(deps: Pick<ControlPlaneDeps, 'machinePool' | 'runners'>, instanceIds: readonly string[]): Promise<string[]> {
  const pool = deps.machinePool;
  if (!pool || instanceIds.length === 0) return [];
  const terminated = await pool.retire(instanceIds);
  await forgetMachineInstances(deps, instanceIds);
  return terminated;
}

/** Deletes the credentials of instances that are gone or going (their parameter, then their record). */
export async function forgetMachineInstances(deps: Pick<ControlPlaneDeps, 'machinePool' | 'runners'>, instanceIds: readonly string[]): Promise<void> {
  for (const id of instanceIds) {
    await deps.machinePool?.deleteCredential(id);
    await deps.runners.deleteMachineInstance(id);
  }
}

export interface MachineSweepReport {
  /** Their one job is over (completed, canceled, retried elsewhere): protection cleared, terminated. */
  spent: string[];
  /** Their runner never asked for work within the grace period after launch (user data failed). */
  unregistered: string[];
  /** Their credential expired without a job on them. */
  expired: string[];
}

/**
 * The cron sweep of machine instances: terminates (through the control plane) each instance whose job is over,
 * that never registered within `graceSeconds` of launch, or whose credential expired, and deletes its credential.
 * An instance with an active task on it is never touched. Safe to run any number of times.
 */
export async function sweepMachineInstances(
  deps: Pick<ControlPlaneDeps, 'machinePool' | 'runners' | 'pipelines' | 'clock'>,
  options: { graceSeconds?: number } = {},
): Promise<MachineSweepReport> {
  const report: MachineSweepReport = { spent: [], unregistered: [], expired: [] };
  const pool = deps.machinePool;
  if (!pool) return report;
  const instances = await deps.runners.listMachineInstances();
  if (instances.length === 0) return report;
  const now = deps.clock.now().getTime();
  const graceMs = (options.graceSeconds ?? UNREGISTERED_GRACE_SECONDS) * 1000;
  const busy = new Set(
    (await deps.pipelines.listActiveJobs()).flatMap((j) => j.tasks.filter((t) => t.status === 'queued' || t.status === 'running').map((t) => t.computeId)),
  );
  const seen = new Set<string>();
  for (const cls of new Set(instances.map((i) => i.resourceClass))) for (const r of await deps.runners.listRunners(machineRunnerClass(cls))) seen.add(r.name);
  for (const i of instances) {
    if (busy.has(machineInstanceComputeId(i.instanceId))) continue;
    // A claim records the instance on its task a moment after marking the instance: not spent within that moment.
    if (i.claimedTask) {
      if (now - Date.parse(i.claimedAt ?? i.issuedAt) > CLAIM_SETTLE_MS) report.spent.push(i.instanceId);
    } else if (Date.parse(i.credentialExpiresAt) <= now) report.expired.push(i.instanceId);
    else if (!seen.has(i.instanceId) && now - Date.parse(i.issuedAt) > graceMs) report.unregistered.push(i.instanceId);
  }
  // Cleared first: should the termination fail, Auto Scaling may still replace an instance whose job is over.
  for (const id of report.spent) await pool.protect(id, instances.find((i) => i.instanceId === id)!.groupName, false);
  await retireMachineInstances(deps, [...report.spent, ...report.unregistered, ...report.expired]);
  return report;
}
