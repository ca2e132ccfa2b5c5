import type { Pipeline, Project } from '../../model/entities';
import type { ControlPlaneDeps } from '../deps';
import { cancelRedundantWorkflows } from './github-autocancel';
import { triggerFromPush } from './github-push';
import { triggerPipeline } from '../pipelines/pipelines';
import { branchPushBuilds, settingsOf } from '../projects/project-settings';
import { DELIVERY_TTL_SECONDS, type GitHubEventMessage } from './webhooks';

export type GitHubEventOutcome = { pipeline: Pipeline } | { skipped: string } | { installation: number; repositories: string[] };

export function describeOutcome(outcome: GitHubEventOutcome): string {
  if ('pipeline' in outcome) return `pipeline ${outcome.pipeline.number} (${outcome.pipeline.id})`;
  if ('skipped' in outcome) return `skipped: ${outcome.skipped}`;
  return `installation ${outcome.installation} reaches ${outcome.repositories.length} repositories`;
}

type Deps = Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'queue' | 'clock' | 'dedupe' | 'githubInstallations'>;

/** Which pull requests build, under CircleCI's project settings. */
function pullRequestSkipReason(project: Project, msg: Extract<GitHubEventMessage, { type: 'GitHubPullRequest' }>): string | undefined {
  const settings = settingsOf(project);
  if (msg.fork) return settings.buildForkPrs ? undefined : `Pull requests from forks do not build on ${project.slug} (build_fork_prs is off).`;
  if (!settings.buildPrsOnly) return `The push to ${msg.branch} builds this pull request's commit.`;
  if (branchPushBuilds(project, msg.branch)) return `${msg.branch} builds on every push.`;
  return undefined;
}

/**
 * The `triggers` consumer's GitHub work: pushes and pull requests start pipelines for the project
 * `gh/<owner>/<repo>` under its settings; installation events update the reachable repositories.
 * Idempotent per delivery id: a message delivered twice starts one pipeline.
 */
export async function handleGitHubEvent(deps: Deps, msg: GitHubEventMessage): Promise<GitHubEventOutcome> {
  if (msg.type === 'GitHubInstallation') {
    const store = deps.githubInstallations;
    if (!store) return { skipped: 'No GitHub installation store is configured.' };
    if (msg.action === 'set') await store.setRepositories(msg.installationId, msg.account, msg.repositories);
    else if (msg.action === 'add') await store.addRepositories(msg.installationId, msg.account, msg.repositories);
    else if (msg.action === 'remove') await store.removeRepositories(msg.installationId, msg.repositories);
    else await store.deleteInstallation(msg.installationId);
    return {
      installation: msg.installationId,
      repositories: await store.listRepositories(msg.installationId),
    };
  }
  const project = await deps.projects.getProject(`gh/${msg.repository}`);
  if (!project) return { skipped: `No project gh/${msg.repository} is set up; add it to build its pushes.` };
  const key = `github-trigger:${msg.deliveryId}`;
  if (!(await deps.dedupe.claim(key, DELIVERY_TTL_SECONDS, deps.clock.now()))) return { skipped: `Delivery ${msg.deliveryId} was handled already.` };
  try {
    if (msg.type === 'GitHubPush') {
      const outcome = await triggerFromPush(deps, project, { ref: msg.ref, after: msg.after, before: msg.before, message: msg.message }, msg.actor);
      return 'pipeline' in outcome ? { pipeline: outcome.pipeline } : { skipped: outcome.skipped };
    }
    const skip = pullRequestSkipReason(project, msg);
    if (skip) return { skipped: skip };
    const pipeline = await triggerPipeline(deps, project, {
      branch: msg.branch,
      revision: msg.revision,
      reviewId: String(msg.number),
      reviewUrl: msg.url,
      forkRepositoryUrl: msg.fork?.url,
      trigger: { type: 'webhook', actor: msg.actor },
      eventValues: { ...(msg.action ? { 'event.action': msg.action } : {}), ...(msg.base ? { 'event.github.pull_request.base.ref': msg.base } : {}) },
    });
    await cancelRedundantWorkflows(deps, project, pipeline);
    return { pipeline };
  } catch (e) {
    await deps.dedupe.release(key);
    throw e;
  }
}
