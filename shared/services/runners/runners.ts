import { randomBytes, randomUUID } from 'node:crypto';
import type { User } from '../../model/entities';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../model/errors';
import type { RunnerResourceClass } from '../../ports/runner-store';
import type { ControlPlaneDeps } from '../deps';
import { isMachineRunnerClass, machineInstanceComputeId } from './machine-pool';
import { authorizeClass, classOwner, failRefusedTask, foreignClassRefusal, owningOrganization } from './runner-isolation';
import { hashToken } from '../identity/tokens';
import { authenticateMachineInstance, isMachineCredential } from './machine-instances';
import { machineRunnerClass } from '../../model/resource-classes';

/** How long a claimed task's token stays valid (as long as a dispatched task's). */
const TASK_TOKEN_TTL_SECONDS = 6 * 3600;
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}\/[a-z0-9][a-z0-9_.-]{0,99}$/i;

/** Whether the user may manage runners of a namespace: instance admins, and admins of an org named like it. */
function authorizeNamespace(user: User, namespace: string): void {
  if (user.admin) return;
  const admin = Object.entries(user.roles).some(([org, role]) => role === 'admin' && org.split('/').pop()?.toLowerCase() === namespace.toLowerCase());
  if (!admin) throw new ForbiddenError(`Managing runners of namespace ${namespace} needs the admin role in the organisation ${namespace}.`);
}

export function apiResourceClass(rc: RunnerResourceClass) {
  return { id: rc.id, resource_class: rc.name, description: rc.description };
}

export async function createResourceClass(deps: ControlPlaneDeps, user: User, input: { resourceClass: string; description: string; organization?: string }) {
  if (!NAME.test(input.resourceClass))
    throw new ValidationError(`Resource class "${input.resourceClass}" must look like namespace/name (letters, digits, - and _).`);
  const namespace = input.resourceClass.split('/')[0];
  if (isMachineRunnerClass(input.resourceClass.toLowerCase()))
    throw new ValidationError('The namespace "machine" is reserved for the EC2 machine executor\'s runners; choose another namespace.');
  const owner = owningOrganization(user, namespace, input.organization);
  const rc: RunnerResourceClass = {
    id: randomUUID(),
    name: input.resourceClass,
    namespace,
    organizationSlug: owner.slug,
    organizationId: owner.id,
    description: input.description,
    createdAt: deps.clock.now().toISOString(),
  };
  if (!(await deps.runners.createResourceClass(rc))) throw new ConflictError(`Resource class ${rc.name} already exists.`);
  return apiResourceClass(rc);
}

export async function listResourceClasses(deps: ControlPlaneDeps, user: User, namespace: string) {
  if (!namespace) throw new ValidationError('Give the namespace: ?namespace=<your-namespace>.');
  authorizeNamespace(user, namespace);
  const mine = (rc: RunnerResourceClass) =>
    user.admin || Object.entries(user.roles).some(([org, role]) => role === 'admin' && org.toLowerCase() === classOwner(rc).slug.toLowerCase());
  return { items: (await deps.runners.listResourceClasses(namespace)).filter(mine).map(apiResourceClass) };
}

async function resourceClassOrThrow(deps: ControlPlaneDeps, user: User, name: string): Promise<RunnerResourceClass> {
  const rc = await deps.runners.getResourceClass(name);
  if (!rc) throw new NotFoundError(`Resource class ${name} not found. Create it first: POST /api/v2/runner/resource.`);
  authorizeClass(user, rc);
  return rc;
}

export async function deleteResourceClass(deps: ControlPlaneDeps, user: User, id: string): Promise<void> {
  const store = deps.runners;
  const rc = await store.getResourceClassById(id);
  if (!rc) throw new NotFoundError('Resource class not found');
  authorizeClass(user, rc);
  if ((await store.listTokens(rc.name)).length) throw new ConflictError(`Resource class ${rc.name} still has tokens; delete them first.`);
  await store.deleteResourceClass(rc.name);
}

/** A new runner token; the plain value is returned once and only its hash is kept. */
export async function createRunnerToken(deps: ControlPlaneDeps, user: User, input: { resourceClass: string; nickname: string }) {
  const rc = await resourceClassOrThrow(deps, user, input.resourceClass);
  const token = randomBytes(40).toString('hex');
  const stored = { id: randomUUID(), resourceClass: rc.name, nickname: input.nickname, hash: hashToken(token), createdAt: deps.clock.now().toISOString() };
  await deps.runners.createToken(stored);
  return { id: stored.id, token, nickname: stored.nickname, resource_class: rc.name, created_at: stored.createdAt };
}

export async function listRunnerTokens(deps: ControlPlaneDeps, user: User, resourceClass: string) {
  await resourceClassOrThrow(deps, user, resourceClass);
  const tokens = await deps.runners.listTokens(resourceClass);
  return { items: tokens.map((t) => ({ id: t.id, nickname: t.nickname, resource_class: t.resourceClass, created_at: t.createdAt })) };
}

export async function deleteRunnerToken(deps: ControlPlaneDeps, user: User, id: string): Promise<void> {
  const token = await deps.runners.getTokenById(id);
  if (!token) throw new NotFoundError('Token not found');
  await resourceClassOrThrow(deps, user, token.resourceClass);
  await deps.runners.deleteToken(id);
}

/** Runners of a class and their queue, in the shapes of CircleCI's runner API (`/api/v3/runner...`). */
export async function listRunners(deps: ControlPlaneDeps, user: User, resourceClass: string) {
  await resourceClassOrThrow(deps, user, resourceClass);
  const runners = await deps.runners.listRunners(resourceClass);
  return {
    items: runners.map((r) => ({
      resource_class: r.resourceClass,
      hostname: r.name,
      name: r.name,
      first_connected: r.firstSeen,
      last_connected: r.lastSeen,
      last_used: r.lastSeen,
      version: r.version,
    })),
  };
}

export async function unclaimedTaskCount(deps: ControlPlaneDeps, user: User, resourceClass: string) {
  await resourceClassOrThrow(deps, user, resourceClass);
  return { unclaimed_task_count: (await deps.runners.listQueued(resourceClass)).length };
}

/**
 * Whom a runner token stands for: a resource class, and for an EC2 machine pool instance its instance (whose
 * credential claims one task of `machine/<class>`, under the instance's own name) and group.
 */
export interface RunnerIdentity {
  resourceClass: string;
  machine: boolean;
  instance?: { instanceId: string; groupName: string };
}

/**
 * Checks a runner token: a token created for a resource class, or an EC2 machine instance's own credential
 * (issued by the control plane at launch, good for one claim of its class). Throws `UnauthorizedError` otherwise.
 */
export async function authenticateRunner(deps: ControlPlaneDeps, runnerToken: string, resourceClass: string | undefined): Promise<RunnerIdentity> {
  if (isMachineCredential(runnerToken)) {
    const instance = await authenticateMachineInstance(deps, runnerToken, resourceClass);
    return {
      resourceClass: machineRunnerClass(instance.resourceClass),
      machine: true,
      instance: { instanceId: instance.instanceId, groupName: instance.groupName },
    };
  }
  const token = runnerToken ? await deps.runners.getTokenByHash(hashToken(runnerToken)) : undefined;
  if (!token) throw new UnauthorizedError('Invalid runner token. Create one with POST /api/v2/runner/token for your resource class.');
  return { resourceClass: token.resourceClass, machine: false };
}

/**
 * A runner asks for work: the oldest queued task of its token's resource class that is still waiting, claimed
 * with a conditional write (two runners never take the same task), with a fresh task token. The claim counts as
 * the task's first heartbeat, so the reaper notices a runner that dies before starting it. Entries whose task
 * moved on (canceled, retried) are dropped on the way. Resolves `undefined` when nothing waits.
 */
export async function claimRunnerTask(
  deps: ControlPlaneDeps,
  runnerToken: string | RunnerIdentity,
  runner: { name: string; version: string; resourceClass?: string },
): Promise<{ taskToken: string; resourceClass: string; jobId: string } | undefined> {
  const store = deps.runners;
  const token = typeof runnerToken === 'string' ? await authenticateRunner(deps, runnerToken, runner.resourceClass) : runnerToken;
  const machineClass = token.machine ? token.resourceClass : undefined;
  const instance = token.instance;
  // A machine instance is listed under its own instance id, whatever name it gives.
  const name = instance?.instanceId ?? runner.name;
  const now = deps.clock.now().toISOString();
  await store.touchRunner({ resourceClass: token.resourceClass, name, version: runner.version, lastSeen: now });
  const rc = machineClass ? undefined : await store.getResourceClass(token.resourceClass);
  for (const entry of await store.listQueued(token.resourceClass)) {
    const job = await deps.pipelines.getJob(entry.workflowId, entry.jobId);
    const task = job?.tasks[entry.taskIndex];
    if (!job || !task || task.status !== 'queued' || task.attempt !== entry.attempt) {
      await store.remove(entry);
      continue;
    }
    // A job of another organisation never reaches this runner (nor its secrets): it fails, saying why.
    const refusal = rc && (await foreignClassRefusal(deps, job, rc));
    if (refusal) {
      await store.remove(entry);
      await failRefusedTask(deps, job, entry.taskIndex, entry.attempt, refusal);
      continue;
    }
    // An instance claims one task, ever: its credential is spent by this claim (a job on it cannot claim another).
    const taskKey = `${entry.jobId}#${entry.taskIndex}#${entry.attempt}`;
    if (instance && !(await store.claimMachineInstance(instance.instanceId, taskKey, now))) {
      throw new UnauthorizedError(`Instance ${instance.instanceId} already claimed its one job; its credential claims nothing more.`);
    }
    if (!(await store.claim(entry, name, now))) {
      if (instance) await store.releaseMachineClaim(instance.instanceId, taskKey);
      continue;
    }
    // The claim is the runner's first sign of life: a runner that dies before starting the task stops
    // heart-beating from here, and the reaper returns the task to the queue as a new attempt. An instance's claim
    // also records the instance (`machine:<id>`) in the same write, so a Spot interruption finds its task.
    const claimed = { heartbeatAt: now, ...(instance && { computeId: machineInstanceComputeId(instance.instanceId) }) };
    if (!(await deps.pipelines.updateTask(entry.workflowId, entry.jobId, entry.taskIndex, { status: 'queued', attempt: entry.attempt }, claimed))) {
      await store.remove(entry);
      continue;
    }
    if (instance) {
      // Scale-in protection while the job runs (cleared when it is over: sweepMachineInstances). Best effort: the
      // termination lifecycle hook requeues the job of an instance terminated anyway.
      await deps.machinePool?.protect(instance.instanceId, instance.groupName, true).catch(() => undefined);
    }
    const claims = { workflowId: entry.workflowId, jobId: entry.jobId, taskIndex: entry.taskIndex, attempt: entry.attempt };
    return { taskToken: await deps.tokens.signTask(claims, TASK_TOKEN_TTL_SECONDS), resourceClass: token.resourceClass, jobId: entry.jobId };
  }
  return undefined;
}
