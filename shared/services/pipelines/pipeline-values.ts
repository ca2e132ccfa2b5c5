import type { PipelineValues } from '../../config/plan';
import type { Pipeline, Project, Schedule } from '../../model/entities';
import { settingsOf } from '../projects/project-settings';
import { stableUuid } from '../identity/tokens';

type Flat = Record<string, string | number | boolean>;

/** The web address of a GitHub repository URL (`https://github.com/o/r(.git)`, `git@github.com:o/r.git`). */
export function githubWebUrl(url: string): string | undefined {
  const m = /^(?:https:\/\/|git@)github\.com[/:]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `https://github.com/${m[1]}/${m[2]}` : undefined;
}

/**
 * What started the pipeline, in CircleCI's words: `pipeline.event.name` (`push`, `pull_request`, `schedule`,
 * `api`) and `pipeline.trigger.type` (Slipway's GitHub integration works as CircleCI's GitHub OAuth one:
 * `github_oauth`; schedules `schedule`; the API and local runs `api`).
 */
function triggerOf(pipeline: Pipeline): { event: string; type: string } {
  if (pipeline.trigger.type === 'webhook') return { event: pipeline.vcs.reviewId ? 'pull_request' : 'push', type: 'github_oauth' };
  if (pipeline.trigger.type === 'scheduled_pipeline' || pipeline.trigger.type === 'schedule') return { event: 'schedule', type: 'schedule' };
  return { event: 'api', type: 'api' };
}

/** `pipeline.event.github.*` of a GitHub-triggered pipeline, from what the delivery told. */
function githubEvent(pipeline: Pipeline, project: Project, web: string | undefined): Flat {
  const vcs = pipeline.vcs;
  const [, owner = '', repo = ''] = project.slug.split('/');
  const out: Flat = {
    'event.github.sender.login': pipeline.trigger.actor.login,
    'event.github.sender.avatar_url': pipeline.trigger.actor.avatarUrl ?? '',
    'event.github.repository.name': repo,
    'event.github.repository.owner.login': owner,
    'event.github.repository.url': web ?? project.repoUrl,
  };
  if (vcs.reviewId) {
    Object.assign(out, {
      'event.github.pull_request.number': Number(vcs.reviewId),
      'event.github.pull_request.url': vcs.reviewUrl ?? '',
      'event.github.pull_request.head.ref': vcs.branch ?? '',
      'event.github.pull_request.head.sha': vcs.revision,
    });
  } else {
    Object.assign(out, {
      'event.github.after': vcs.revision,
      'event.github.ref': vcs.tag !== undefined ? `refs/tags/${vcs.tag}` : `refs/heads/${vcs.branch ?? ''}`,
      ...(web ? { 'event.github.head_commit.url': `${web}/commit/${vcs.revision}` } : {}),
    });
  }
  return out;
}

/**
 * The `<< pipeline.* >>` values a config of this pipeline compiles with: every documented value the pipeline,
 * its project and its trigger can answer. Values with no meaning here (`pipeline.deploy.*`, the deprecated
 * `trigger_parameters.*`, `git.repo_id`, `git.commit.author_login`) are left out and read as empty.
 */
export function pipelineValuesOf(pipeline: Pipeline, project: Project, schedule?: Schedule): PipelineValues {
  const vcs = pipeline.vcs;
  const [, owner = '', repo = ''] = project.slug.split('/');
  const web = githubWebUrl(project.repoUrl);
  const trigger = triggerOf(pipeline);
  const ref = vcs.tag !== undefined ? `refs/tags/${vcs.tag}` : `refs/heads/${vcs.branch ?? ''}`;
  const more: Flat = {
    'definition.id': stableUuid(project.id, 'pipeline-definition'),
    name: project.name,
    integration_source: 'github',
    'project.slug': project.slug,
    'git.branch.is_default': vcs.tag === undefined && vcs.branch === project.defaultBranch,
    'git.repo_url': web ?? project.repoUrl,
    'git.repo_owner': owner,
    'git.repo_name': repo,
    ...(web && vcs.revision ? { 'git.commit.url': `${web}/commit/${vcs.revision}` } : {}),
    'git.commit.subject': vcs.commit?.subject ?? '',
    'git.commit.body': vcs.commit?.body ?? '',
    'config.repository.name': `${owner}/${repo}`,
    'config.repository.url': web ?? project.repoUrl,
    'config.file_path': settingsOf(project).configFolder ?? '.circleci/config.yml',
    'config.ref': ref,
    'config.sha': vcs.revision,
    'trigger.received_at': pipeline.trigger.receivedAt,
    'trigger.type': trigger.type,
    ...(schedule ? { 'trigger.id': schedule.id } : {}),
    'event.name': trigger.event,
    'event.action': trigger.event,
    ...(pipeline.trigger.type === 'webhook' ? githubEvent(pipeline, project, web) : {}),
    ...pipeline.eventValues,
  };
  return {
    id: pipeline.id,
    number: pipeline.number,
    git: {
      branch: vcs.branch,
      tag: vcs.tag,
      revision: vcs.revision,
      ...(typeof pipeline.eventValues?.['git.base_revision'] === 'string' ? { base_revision: pipeline.eventValues['git.base_revision'] } : {}),
    },
    project: { git_url: project.repoUrl, type: 'github' },
    trigger_source: pipeline.trigger.type === 'webhook' ? 'webhook' : pipeline.trigger.type === 'scheduled_pipeline' ? 'scheduled_pipeline' : 'api',
    ...(schedule ? { schedule: { name: schedule.name, id: schedule.id } } : {}),
    more,
  };
}
