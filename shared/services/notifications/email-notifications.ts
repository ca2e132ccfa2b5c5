import type { Job, Pipeline, Project, Workflow } from '../../model/entities';
import type { Email } from '../../ports/mailer';
import type { EmailNotificationLevel } from '../../ports/notification-preferences';
import type { ControlPlaneDeps } from '../deps';

/**
 * Email notifications (CircleCI's notifier): a failed workflow, and a workflow that succeeded after a failure
 * of the same workflow on the same branch ("fixed"), are emailed to the committer and the pipeline's actor
 * when they are users with an email, as both the user's and the project's settings allow.
 */

type Deps = Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'identity' | 'dedupe' | 'mailer' | 'notificationPreferences' | 'publicUrl'>;

export type Outcome = 'failed' | 'fixed' | 'succeeded';

const FAILING = ['failed', 'error'];
const FAILED_JOB = ['failed', 'timedout', 'infrastructure_fail', 'unauthorized'];
/** Projects and users that never chose get failures and fixes, as on CircleCI. */
export const DEFAULT_EMAIL_LEVEL: EmailNotificationLevel = 'failed_and_fixed';

export const allows = (level: EmailNotificationLevel, outcome: Outcome) => level === 'all' || (level === 'failed_and_fixed' && outcome !== 'succeeded');

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The failed jobs of a workflow with their first failing step. */
function failures(jobs: Job[]): Array<{ job: Job; step?: string }> {
  return jobs
    .filter((j) => FAILED_JOB.includes(j.status))
    .map((job) => ({
      job,
      step: job.tasks.flatMap((t) => t.steps).find((s) => s.actions.some((a) => a.status === 'failed' || a.status === 'timedout'))?.name,
    }));
}

/** Subject, text and HTML of the notification. */
export function composeEmail(
  outcome: Outcome,
  c: { project: Project; pipeline: Pipeline; workflow: Workflow; jobs: Job[]; publicUrl: string },
): Omit<Email, 'to'> {
  const { project, pipeline, workflow } = c;
  const branch = pipeline.vcs.branch ?? pipeline.vcs.tag ?? pipeline.vcs.revision.slice(0, 7);
  const word = { failed: 'Failed', fixed: 'Fixed', succeeded: 'Success' }[outcome];
  const subject = `${word}: ${project.slug} ${branch} #${pipeline.number} (${workflow.name})`;
  const wfUrl = `${c.publicUrl}/pipelines/${project.slug}/${pipeline.number}/workflows/${workflow.id}`;
  const jobUrl = (j: Job) => `${wfUrl}/jobs/${j.number ?? ''}`;
  const failed = failures(c.jobs);
  const commit = pipeline.vcs.commit?.subject
    ? `Commit ${pipeline.vcs.revision.slice(0, 7)}: ${pipeline.vcs.commit.subject}`
    : `Commit ${pipeline.vcs.revision.slice(0, 7)}`;
  const text = [
    `Workflow ${workflow.name} of ${project.slug} on ${branch} ${outcome === 'failed' ? 'failed' : outcome === 'fixed' ? 'is fixed: it succeeded after a failure' : 'succeeded'}.`,
    commit,
    '',
    ...(failed.length
      ? ['Failed jobs:', ...failed.map((f) => `- ${f.job.name} (${f.job.status})${f.step ? `, first failing step: ${f.step}` : ''}: ${jobUrl(f.job)}`), '']
      : []),
    `Workflow: ${wfUrl}`,
    `Change your notification settings in the Slipway web UI: ${c.publicUrl}/settings/project/${project.slug}`,
  ].join('\n');
  const html = `<p>Workflow <strong>${escape(workflow.name)}</strong> of ${escape(project.slug)} on <code>${escape(branch)}</code>: <strong>${word}</strong>.</p>
<p>${escape(commit)}</p>
${failed.length ? `<ul>${failed.map((f) => `<li><a href="${escape(jobUrl(f.job))}">${escape(f.job.name)}</a> (${escape(f.job.status)})${f.step ? `, first failing step: <code>${escape(f.step)}</code>` : ''}</li>`).join('')}</ul>` : ''}
<p><a href="${escape(wfUrl)}">Open the workflow</a></p>`;
  return { subject, text, html };
}

/** The recipients: the actor and the committer, when they are users whose settings allow this outcome. */
async function recipients(deps: Deps, pipeline: Pipeline, outcome: Outcome): Promise<string[]> {
  const prefs = deps.notificationPreferences!;
  const ids = new Set<string>();
  const actor = await deps.identity.getUserByLogin(pipeline.trigger.actor.login);
  if (actor) ids.add(actor.id);
  const committer = pipeline.vcs.commit?.committerEmail ? await prefs.findUserIdByEmail(pipeline.vcs.commit.committerEmail) : undefined;
  if (committer) ids.add(committer);
  const out: string[] = [];
  for (const id of ids) {
    const p = await prefs.getUser(id);
    if (p?.email && allows(p.emailNotifications, outcome)) out.push(p.email);
  }
  return [...new Set(out)];
}

/**
 * On a finished workflow: decides failed / fixed / succeeded, and emails whoever should hear of it. Safe to
 * run twice: the branch history is recorded idempotently and each workflow is emailed once (a dedupe claim,
 * released when sending fails so that the retry sends).
 */
export async function emailWorkflowOutcome(deps: Deps, workflowId: string): Promise<void> {
  if (!deps.mailer || !deps.notificationPreferences) return;
  const workflow = await deps.pipelines.getWorkflow(workflowId);
  if (!workflow || workflow.tag === 'setup' || !(FAILING.includes(workflow.status) || workflow.status === 'success')) return;
  const [pipeline, project] = await Promise.all([deps.pipelines.getPipeline(workflow.pipelineId), deps.projects.getProject(workflow.projectSlug)]);
  if (!pipeline || !project) return;
  const branch = pipeline.vcs.branch;
  const record = branch
    ? await deps.notificationPreferences.recordOutcome(
        { projectSlug: project.slug, branch, workflowName: workflow.name },
        { workflowId: workflow.id, status: workflow.status, createdAt: workflow.createdAt },
      )
    : undefined;
  const outcome: Outcome = FAILING.includes(workflow.status)
    ? 'failed'
    : record?.previousStatus && FAILING.includes(record.previousStatus)
      ? 'fixed'
      : 'succeeded';
  const projectLevel = (await deps.notificationPreferences.getProject(project.slug))?.emailNotifications ?? DEFAULT_EMAIL_LEVEL;
  if (!allows(projectLevel, outcome)) return;
  const to = await recipients(deps, pipeline, outcome);
  if (!to.length) return;
  const key = `email-notification#${workflow.id}`;
  if (!(await deps.dedupe.claim(key, 7 * 24 * 3600))) return;
  try {
    const jobs = await deps.pipelines.listJobs(workflow.id);
    await deps.mailer.send({ to, ...composeEmail(outcome, { project, pipeline, workflow, jobs, publicUrl: deps.publicUrl }) });
  } catch (e) {
    await deps.dedupe.release(key);
    throw e;
  }
}
