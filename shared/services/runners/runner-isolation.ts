import type { Job, User } from '../../model/entities';
import { ForbiddenError, ValidationError } from '../../model/errors';
import type { RunnerResourceClass } from '../../ports/runner-store';
import { sendWorkflowEvent } from '../workflows/workflow-events';
import type { ControlPlaneDeps } from '../deps';
import { isMachineRunnerClass } from './machine-pool';
import { stableUuid } from '../identity/tokens';

// Runner isolation: a self-hosted resource class belongs to one organisation (VCS provider + organisation id,
// never the name alone); only that organisation's jobs run on it and only its admins manage it.

const VCS = /^(gh|bb|gl|github|bitbucket|gitlab)\/([^/]+)$/i;
const SHORT: Record<string, string> = { github: 'gh', bitbucket: 'bb', gitlab: 'gl' };

/** The organisation id of an organisation slug (`gh/acme`), as projects record it. */
export function organizationIdOf(orgSlug: string): string {
  const [vcs, org] = orgSlug.split('/');
  return stableUuid('org', vcs, org);
}

/** The organisation slug (`gh/acme`) of a project slug (`gh/acme/app`). */
export const organizationOfProject = (projectSlug: string): string => projectSlug.split('/').slice(0, 2).join('/');

/** The organisation that owns a class: recorded at creation; classes from before then belong to `gh/<namespace>`. */
export function classOwner(rc: RunnerResourceClass): { slug: string; id: string } {
  const slug = rc.organizationSlug ?? `gh/${rc.namespace}`;
  return { slug, id: rc.organizationId ?? organizationIdOf(slug) };
}

const adminOf = (user: User, orgSlug: string): boolean =>
  user.admin || Object.entries(user.roles).some(([org, role]) => role === 'admin' && org.toLowerCase() === orgSlug.toLowerCase());

/**
 * The organisation a new class of `namespace` will belong to: the one given (`gh/acme`), else the only
 * organisation named like the namespace that the user administers (GitHub's, for an instance admin of none).
 */
export function owningOrganization(user: User, namespace: string, given?: string): { slug: string; id: string } {
  let slug: string;
  if (given) {
    const m = VCS.exec(given);
    if (!m || m[2].toLowerCase() !== namespace.toLowerCase())
      throw new ValidationError(`organization "${given}" must be the VCS and name of the organisation named like the namespace, e.g. gh/${namespace}.`);
    slug = `${SHORT[m[1].toLowerCase()] ?? m[1].toLowerCase()}/${m[2]}`;
  } else {
    const named = Object.entries(user.roles)
      .filter(([org, role]) => role === 'admin' && org.split('/').pop()?.toLowerCase() === namespace.toLowerCase())
      .map(([org]) => org);
    if (named.length > 1)
      throw new ValidationError(
        `Namespace ${namespace} names several of your organisations (${named.join(', ')}); say which owns the class with "organization".`,
      );
    slug = named[0] ?? `gh/${namespace}`;
  }
  if (!adminOf(user, slug)) throw new ForbiddenError(`Managing runners of namespace ${namespace} needs the admin role in the organisation ${slug}.`);
  return { slug, id: organizationIdOf(slug) };
}

/** Throws unless the user administers the organisation that owns the class. */
export function authorizeClass(user: User, rc: RunnerResourceClass): void {
  const owner = classOwner(rc);
  if (!adminOf(user, owner.slug)) throw new ForbiddenError(`Managing resource class ${rc.name} needs the admin role in the organisation ${owner.slug}.`);
}

/** Why a job may not run on its self-hosted class (a class of another organisation); undefined when it may. */
export async function foreignClassRefusal(deps: Pick<ControlPlaneDeps, 'runners'>, job: Job, rc?: RunnerResourceClass): Promise<string | undefined> {
  const name = job.plan.executor.resourceClass;
  if (job.plan.executor.type !== 'runner' || isMachineRunnerClass(name.toLowerCase())) return undefined;
  const cls = rc ?? (await deps.runners.getResourceClass(name));
  if (!cls) return undefined;
  const owner = classOwner(cls);
  const org = organizationOfProject(job.projectSlug);
  if (owner.id === organizationIdOf(org)) return undefined;
  return `Resource class ${name} belongs to the organisation ${owner.slug}; jobs of ${org} cannot run on it. Use a resource class of ${org} (create one with POST /api/v2/runner/resource).`;
}

/** Fails a queued task that may not run where it was sent, with the reason on its job; nothing is dispatched. */
export async function failRefusedTask(deps: ControlPlaneDeps, job: Job, taskIndex: number, attempt: number, message: string): Promise<void> {
  await deps.pipelines.updateJob(job.workflowId, job.id, job.status, { message });
  const ended = await deps.pipelines.updateTask(
    job.workflowId,
    job.id,
    taskIndex,
    { status: 'queued', attempt },
    { status: 'failed', stoppedAt: deps.clock.now().toISOString() },
  );
  if (ended) await sendWorkflowEvent(deps, job.workflowId, { type: 'TaskFinished', jobId: job.id });
}
