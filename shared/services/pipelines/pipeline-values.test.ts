import { compileConfig } from '../../config/compile';
import { DOCUMENTED_PIPELINE_VALUES, flattenPipelineValues, pipelineValuesFrom } from '../../config/pipeline-values';
import type { Pipeline, Schedule } from '../../model/entities';
import { aPipeline, aProject } from '../../model/fixtures';
import { pipelineValuesOf } from './pipeline-values';

const SHA = 'a'.repeat(40);
const BEFORE = 'b'.repeat(40);
const project = aProject({ slug: 'gh/acme/demo', name: 'demo', repoUrl: 'https://github.com/acme/demo.git', defaultBranch: 'main' });

/** What each `<< pipeline.<name> >>` reads as in a config compiled for `pipeline`. */
async function read(pipeline: Pipeline, names: readonly string[], schedule?: Schedule): Promise<Record<string, string>> {
  const run = names.map((n) => `      - run: {name: "${n}", command: "=<< pipeline.${n} >>"}`).join('\n');
  const source = `version: 2.1\njobs:\n  build:\n    docker: [{image: cimg/base:stable}]\n    steps:\n${run}\nworkflows: {main: {jobs: [build]}}\n`;
  const r = await compileConfig(source, { fileName: 'config.yml', pipeline: pipelineValuesOf(pipeline, project, schedule) });
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return Object.fromEntries(r.plan.workflows[0].jobs[0].steps.map((s) => [s.name, (s as { command: string }).command.slice(1)]));
}

const push = aPipeline({
  projectSlug: project.slug,
  number: 42,
  trigger: { type: 'webhook', receivedAt: '2026-12-01T10:00:00.000Z', actor: { login: 'octocat', avatarUrl: 'https://avatars/octocat' } },
  vcs: {
    providerName: 'GitHub',
    originRepositoryUrl: project.repoUrl,
    targetRepositoryUrl: project.repoUrl,
    revision: SHA,
    branch: 'main',
    commit: { subject: 'Fix the build', body: 'Details.' },
  },
  eventValues: { 'git.base_revision': BEFORE },
});

describe('pipeline values from the trigger', () => {
  it('supplies every documented value a GitHub push can answer', async () => {
    const v = await read(push, [
      'id',
      'number',
      'project.git_url',
      'project.type',
      'project.slug',
      'git.branch',
      'git.tag',
      'git.revision',
      'git.base_revision',
      'git.branch.is_default',
      'git.repo_url',
      'git.repo_owner',
      'git.repo_name',
      'git.commit.url',
      'git.commit.subject',
      'git.commit.body',
      'config.repository.name',
      'config.file_path',
      'config.ref',
      'config.sha',
      'trigger.received_at',
      'trigger.type',
      'trigger_source',
      'event.name',
      'event.action',
      'event.github.after',
      'event.github.ref',
      'event.github.head_commit.url',
      'event.github.sender.login',
      'event.github.repository.owner.login',
      'integration_source',
      'schedule.name',
    ]);
    expect(v).toEqual({
      id: push.id,
      number: '42',
      'project.git_url': 'https://github.com/acme/demo.git',
      'project.type': 'github',
      'project.slug': 'gh/acme/demo',
      'git.branch': 'main',
      'git.tag': '',
      'git.revision': SHA,
      'git.base_revision': BEFORE,
      'git.branch.is_default': 'true',
      'git.repo_url': 'https://github.com/acme/demo',
      'git.repo_owner': 'acme',
      'git.repo_name': 'demo',
      'git.commit.url': `https://github.com/acme/demo/commit/${SHA}`,
      'git.commit.subject': 'Fix the build',
      'git.commit.body': 'Details.',
      'config.repository.name': 'acme/demo',
      'config.file_path': '.circleci/config.yml',
      'config.ref': 'refs/heads/main',
      'config.sha': SHA,
      'trigger.received_at': '2026-12-01T10:00:00.000Z',
      'trigger.type': 'github_oauth',
      trigger_source: 'webhook',
      'event.name': 'push',
      'event.action': 'push',
      'event.github.after': SHA,
      'event.github.ref': 'refs/heads/main',
      'event.github.head_commit.url': `https://github.com/acme/demo/commit/${SHA}`,
      'event.github.sender.login': 'octocat',
      'event.github.repository.owner.login': 'acme',
      integration_source: 'github',
      'schedule.name': '',
    });
  });

  it('describes a pull request with its action, head and base', async () => {
    const pr: Pipeline = {
      ...push,
      vcs: { ...push.vcs, branch: 'feature', reviewId: '5', reviewUrl: 'https://github.com/acme/demo/pull/5' },
      eventValues: { 'event.action': 'synchronize', 'event.github.pull_request.base.ref': 'main' },
    };
    const v = await read(pr, [
      'event.name',
      'event.action',
      'event.github.pull_request.number',
      'event.github.pull_request.url',
      'event.github.pull_request.head.ref',
      'event.github.pull_request.head.sha',
      'event.github.pull_request.base.ref',
      'event.github.after',
      'git.branch.is_default',
      'git.base_revision',
    ]);
    expect(v).toEqual({
      'event.name': 'pull_request',
      'event.action': 'synchronize',
      'event.github.pull_request.number': '5',
      'event.github.pull_request.url': 'https://github.com/acme/demo/pull/5',
      'event.github.pull_request.head.ref': 'feature',
      'event.github.pull_request.head.sha': SHA,
      'event.github.pull_request.base.ref': 'main',
      'event.github.after': '',
      'git.branch.is_default': 'false',
      'git.base_revision': '',
    });
  });

  it('names the schedule of a scheduled pipeline and leaves the GitHub event values empty', async () => {
    const schedule = { id: 'sched-1', name: 'nightly' } as Schedule;
    const scheduled: Pipeline = {
      ...push,
      trigger: { ...push.trigger, type: 'scheduled_pipeline' },
      vcs: { ...push.vcs, branch: undefined, tag: 'v1.0' },
      eventValues: undefined,
    };
    const v = await read(
      scheduled,
      [
        'schedule.name',
        'schedule.id',
        'trigger.type',
        'trigger.id',
        'trigger_source',
        'event.name',
        'event.github.sender.login',
        'git.tag',
        'git.branch',
        'config.ref',
      ],
      schedule,
    );
    expect(v).toEqual({
      'schedule.name': 'nightly',
      'schedule.id': 'sched-1',
      'trigger.type': 'schedule',
      'trigger.id': 'sched-1',
      trigger_source: 'scheduled_pipeline',
      'event.name': 'schedule',
      'event.github.sender.login': '',
      'git.tag': 'v1.0',
      'git.branch': '',
      'config.ref': 'refs/tags/v1.0',
    });
  });

  it('reads every documented value, and the deploy and trigger parameter values, without an error (empty when not supplied)', async () => {
    const api: Pipeline = { ...push, trigger: { ...push.trigger, type: 'api' }, eventValues: undefined };
    const v = await read(api, [
      ...DOCUMENTED_PIPELINE_VALUES,
      'deploy.component_name',
      'trigger_parameters.webhook.body',
      'trigger_parameters.circleci.event_type',
      'git.repo_id',
      'git.commit.author_login',
    ]);
    expect(v['event.name']).toBe('api');
    expect(v['trigger.type']).toBe('api');
    expect(v['event.github.sender.login']).toBeUndefined();
    expect([v['deploy.component_name'], v['trigger_parameters.webhook.body'], v['git.repo_id'], v['schedule.id']]).toEqual(['', '', '', '']);
  });

  it('rejects a pipeline value CircleCI does not document', async () => {
    await expect(read(push, ['git.branchname'])).rejects.toThrow('Unknown pipeline value << pipeline.git.branchname >>');
  });

  it('takes documented values given flat, as the circleci CLI sends them to config process', () => {
    const v = flattenPipelineValues(
      pipelineValuesFrom({ 'git.branch': 'dev', 'event.name': 'push', 'git.commit.subject': 'x', 'schedule.name': 'nightly', 'not.documented': 'y' }),
    );
    expect(v).toMatchObject({ 'git.branch': 'dev', 'event.name': 'push', 'git.commit.subject': 'x', 'schedule.name': 'nightly', 'schedule.id': '' });
    expect(v['not.documented']).toBeUndefined();
  });
});
