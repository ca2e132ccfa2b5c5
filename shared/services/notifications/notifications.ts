import type { Job } from '../../model/entities';
import type { JobStatus } from '../../model/statuses';
import type { CommitState } from '../../ports/commit-status-notifier';
import type { ControlPlaneDeps } from '../deps';
import { reportsGitHubStatus } from '../projects/project-settings';
import { emailWorkflowOutcome } from './email-notifications';
import type { NotifyMessage } from '../../model/messages';
import { deliverWebhook, prepareWebhookEvents, type DeliveryDeps } from './webhook-delivery';

/** Messages on the `notify` queue (sent by the conductor): `shared/model/messages.ts`. */
export type { NotifyMessage } from '../../model/messages';

/** CircleCI's commit status for a job state; `undefined` for states it does not report. */
export function commitStatusFor(status: JobStatus): { state: CommitState; description: string } | undefined {
  switch (status) {
    case 'queued':
      return { state: 'pending', description: 'Your tests are queued on CircleCI' };
    case 'running':
      return { state: 'pending', description: 'CircleCI is running your tests' };
    case 'success':
      return { state: 'success', description: 'Your tests passed on CircleCI!' };
    case 'failed':
      return { state: 'failure', description: 'Your tests failed on CircleCI' };
    case 'timedout':
      return { state: 'failure', description: 'Your tests timed out on CircleCI' };
    case 'canceled':
      return { state: 'error', description: 'Your CircleCI tests were canceled' };
    case 'infrastructure_fail':
      return { state: 'error', description: 'CircleCI could not run your tests (infrastructure failure)' };
    case 'unauthorized':
      return { state: 'error', description: 'This job is not authorized to use its contexts' };
    default:
      return undefined;
  }
}

type Deps = Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'commitStatuses' | 'publicUrl'>;
type NotifyDeps = Deps & DeliveryDeps & Parameters<typeof emailWorkflowOutcome>[0];

async function postJobStatus(deps: Deps, job: Job): Promise<'pending' | 'final' | 'none'> {
  const status = commitStatusFor(job.status);
  if (!status || job.type === 'approval' || !deps.commitStatuses) return 'none';
  const [pipeline, project] = await Promise.all([deps.pipelines.getPipeline(job.pipelineId), deps.projects.getProject(job.projectSlug)]);
  if (!pipeline || !project || !project.slug.startsWith('gh/') || !reportsGitHubStatus(project) || !/^[0-9a-f]{40}$/.test(pipeline.vcs.revision)) return 'none';
  await deps.commitStatuses.post(project, {
    revision: pipeline.vcs.revision,
    context: `ci/circleci: ${job.name}`,
    state: status.state,
    description: status.description,
    // A job that ran nothing (no-op, release, lock, unlock) has no job number: its link is its workflow.
    targetUrl: `${deps.publicUrl}/pipelines/${project.slug}/${pipeline.number}/workflows/${job.workflowId}${job.number !== undefined ? `/jobs/${job.number}` : ''}`,
  });
  return status.state === 'pending' ? 'pending' : 'final';
}

/**
 * Commit statuses named `ci/circleci: <job>`. Messages may arrive out of order, so the job's current state is
 * posted, never the state a message names; a pending status posted while the job finished is followed by the
 * final one. Safe to run twice (a status post replaces the previous one).
 */
async function postCommitStatus(deps: Deps, msg: { workflowId: string; jobId: string }): Promise<void> {
  if (!deps.commitStatuses) return;
  const job = await deps.pipelines.getJob(msg.workflowId, msg.jobId);
  if (!job) return;
  if ((await postJobStatus(deps, job)) !== 'pending') return;
  const after = await deps.pipelines.getJob(msg.workflowId, msg.jobId);
  if (after && commitStatusFor(after.status)?.state !== 'pending') await postJobStatus(deps, after);
}

/**
 * The `notify` consumer: commit statuses, email on failed and fixed workflows, outbound webhooks (`job-completed`, `workflow-completed` and their
 * delivery attempts). Every branch is safe to run twice.
 */
export async function handleNotification(deps: NotifyDeps, msg: NotifyMessage): Promise<void> {
  switch (msg.type) {
    case 'JobQueued':
      return postCommitStatus(deps, msg);
    case 'JobFinished':
      await postCommitStatus(deps, msg);
      return prepareWebhookEvents(deps, { type: 'job-completed', workflowId: msg.workflowId, jobId: msg.jobId });
    case 'WorkflowFinished':
      await prepareWebhookEvents(deps, { type: 'workflow-completed', workflowId: msg.workflowId });
      return emailWorkflowOutcome(deps, msg.workflowId);
    case 'DeliverWebhook':
      await deliverWebhook(deps, msg);
      return;
  }
}
