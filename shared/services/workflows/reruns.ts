import { randomUUID } from 'node:crypto';
import type { Job, User, Workflow } from '../../model/entities';
import { NotFoundError, ValidationError } from '../../model/errors';
import { isTerminalWorkflow, type JobStatus } from '../../model/statuses';
import { sendWorkflowEvent } from './workflow-events';
import type { ControlPlaneDeps } from '../deps';
import { assertSshAllowed } from '../ssh/ssh-access';

export interface RerunInput {
  jobs?: string[];
  from_failed?: boolean;
  sparse_tree?: boolean;
  enable_ssh?: boolean;
}

const RERUN_FROM_FAILED: readonly JobStatus[] = ['failed', 'timedout', 'infrastructure_fail', 'unauthorized', 'canceled'];

/** The named jobs plus everything downstream of them (CircleCI reruns dependents of a rerun job too). */
function withDownstream(jobs: Job[], seeds: Set<string>): Set<string> {
  const picked = new Set(seeds);
  for (let changed = true; changed;) {
    changed = false;
    for (const j of jobs) {
      if (!picked.has(j.id) && j.dependencies.some((d) => picked.has(d))) {
        picked.add(j.id);
        changed = true;
      }
    }
  }
  return picked;
}

/**
 * Reruns a finished workflow as a new workflow of the same pipeline, linked by `rerunOf`, from the jobs the
 * original ran (the pipeline's plan as selected then): all of them, the failed ones (`from_failed`), or the
 * given ones (`jobs`), each with everything downstream. Jobs left out count as done for their dependents.
 */
export async function rerunWorkflow(deps: ControlPlaneDeps, original: Workflow, user: User, input: RerunInput): Promise<Workflow> {
  if (input.from_failed && input.jobs) throw new ValidationError('from_failed and jobs are mutually exclusive: give one of them.');
  if (input.enable_ssh) {
    if (!input.jobs?.length)
      throw new ValidationError('enable_ssh needs the jobs parameter: the job(s) to rerun with SSH (it cannot be combined with from_failed).');
    const project = await deps.projects.getProject(original.projectSlug);
    if (!project) throw new NotFoundError(`Project ${original.projectSlug} of workflow ${original.id} no longer exists.`);
    assertSshAllowed(project);
  }
  if (input.sparse_tree && !input.jobs) throw new ValidationError('sparse_tree needs the jobs parameter.');
  if (!isTerminalWorkflow(original.status))
    throw new ValidationError(`Workflow ${original.name} is ${original.status}; wait for it to finish or cancel it before rerunning.`);
  const jobs = await deps.pipelines.listJobs(original.id);
  let picked: Set<string>;
  if (input.from_failed) {
    if (original.status !== 'failed' && original.status !== 'canceled')
      throw new ValidationError(`Workflow ${original.name} did not fail; rerun it from the start instead.`);
    picked = withDownstream(jobs, new Set(jobs.filter((j) => RERUN_FROM_FAILED.includes(j.status)).map((j) => j.id)));
  } else if (input.jobs) {
    const known = new Set(jobs.map((j) => j.id));
    const unknown = input.jobs.filter((id) => !known.has(id));
    if (unknown.length) throw new NotFoundError(`Job ${unknown[0]} is not part of workflow ${original.id}.`);
    if (!input.jobs.length) throw new ValidationError('jobs must name at least one job of the workflow.');
    picked = withDownstream(jobs, new Set(input.jobs));
  } else {
    picked = new Set(jobs.map((j) => j.id));
  }

  const now = deps.clock.now().toISOString();
  const workflow: Workflow = {
    ...original,
    id: randomUUID(),
    status: 'running',
    startedBy: user.id,
    createdAt: now,
    stoppedAt: null,
    canceledBy: undefined,
    erroredBy: undefined,
    rerunOf: original.id,
    version: 0,
  };
  const ids = new Map<string, string>(jobs.filter((j) => picked.has(j.id)).map((j) => [j.id, randomUUID()]));
  const keptNames = new Set(jobs.filter((j) => picked.has(j.id)).map((j) => j.name));
  const newJobs: Job[] = jobs
    .filter((j) => picked.has(j.id))
    .map((j) => ({
      id: ids.get(j.id)!,
      workflowId: workflow.id,
      pipelineId: j.pipelineId,
      projectSlug: j.projectSlug,
      name: j.name,
      type: j.type,
      status: 'blocked',
      dependencies: j.dependencies.map((d) => ids.get(d)).filter((x): x is string => Boolean(x)),
      plan: { ...j.plan, requires: j.plan.requires.filter((r) => keptNames.has(r.job)) },
      tasks: j.tasks.map((t) => ({ index: t.index, status: 'blocked', attempt: 0, steps: [] })),
      createdAt: now,
      infraRetries: 0,
      rerunOf: j.id,
      // Rerun with SSH: the named jobs serve SSH (their dependents rerun as usual).
      ...(input.enable_ssh && input.jobs!.includes(j.id) && { sshRerun: true }),
      version: 0,
    }));
  await deps.pipelines.createWorkflow(workflow, newJobs);
  await sendWorkflowEvent(deps, workflow.id, { type: 'WorkflowCreated' }, `${workflow.id}:created`);
  return workflow;
}
