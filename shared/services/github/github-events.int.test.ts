import { DynamoDedupeStore } from '../../adapters/aws/dynamo-dedupe-store';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../../adapters/aws/dynamo-project-store';
import { SqsMessageQueue } from '../../adapters/aws/sqs-message-queue';
import { DynamoGitHubInstallationStore } from '../../adapters/vcs/dynamo-github-installation-store';
import { aWorkflow, aJob } from '../../model/fixtures';
import { systemClock } from '../../ports/clock';
import { aProject } from '../../ports/project-store.contract';
import { createTestResources } from '../../../test/support/aws';
import { handleGitHubEvent } from './github-events';
import type { GitHubEventMessage } from './webhooks';

const SHA = 'c'.repeat(40);

async function setup(settings: Partial<ReturnType<typeof aProject>['settings']> = {}) {
  const r = await createTestResources();
  const deps = {
    pipelines: new DynamoPipelineStore(r.table),
    projects: new DynamoProjectStore(r.table),
    dedupe: new DynamoDedupeStore(r.table),
    queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls),
    githubInstallations: new DynamoGitHubInstallationStore(r.table),
    clock: systemClock,
  };
  const project = aProject({ slug: 'gh/acme/demo', name: 'demo', organizationName: 'acme' });
  await deps.projects.createProject({ ...project, settings: { ...project.settings, ...settings } });
  return { deps, project };
}

const actor = { login: 'octocat', avatarUrl: null };
const pr = (overrides: Partial<Extract<GitHubEventMessage, { type: 'GitHubPullRequest' }>> = {}): GitHubEventMessage => ({
  type: 'GitHubPullRequest',
  deliveryId: Math.random().toString(36),
  repository: 'acme/demo',
  number: 5,
  url: 'https://github.com/acme/demo/pull/5',
  branch: 'feature',
  revision: SHA,
  actor,
  ...overrides,
});
const push = (ref: string, deliveryId = Math.random().toString(36)): Extract<GitHubEventMessage, { type: 'GitHubPush' }> => ({
  type: 'GitHubPush',
  deliveryId,
  repository: 'acme/demo',
  ref,
  after: SHA,
  message: 'm',
  actor,
});

describe('handleGitHubEvent', () => {
  it('starts one pipeline for a push message delivered twice', async () => {
    const { deps } = await setup();
    const first = await handleGitHubEvent(deps, push('refs/heads/main', 'same'));
    expect(first).toMatchObject({
      pipeline: { vcs: { branch: 'main', revision: SHA }, trigger: { type: 'webhook' } },
    });
    expect(await handleGitHubEvent(deps, push('refs/heads/main', 'same'))).toEqual({
      skipped: expect.stringMatching(/handled already/),
    });
    expect((await deps.pipelines.listPipelines('gh/acme/demo')).items).toHaveLength(1);
  });

  it('builds forked pull requests only with build_fork_prs, marking the fork as the origin', async () => {
    const fork = { fork: { url: 'https://github.com/forker/demo.git' }, branch: 'pull/5' };
    expect(await handleGitHubEvent((await setup()).deps, pr(fork))).toEqual({
      skipped: expect.stringMatching(/build_fork_prs is off/),
    });
    const built = await handleGitHubEvent((await setup({ buildForkPrs: true })).deps, pr(fork));
    expect(built).toMatchObject({
      pipeline: {
        vcs: { branch: 'pull/5', reviewId: '5', originRepositoryUrl: 'https://github.com/forker/demo.git' },
      },
    });
  });

  it('lets pushes build branches unless only pull requests build (default branch and overrides excepted)', async () => {
    expect(await handleGitHubEvent((await setup()).deps, pr())).toEqual({
      skipped: expect.stringMatching(/push to feature builds/),
    });
    const { deps } = await setup({ buildPrsOnly: true, prOnlyBranchOverrides: ['release'] } as never);
    expect(await handleGitHubEvent(deps, push('refs/heads/feature'))).toEqual({
      skipped: expect.stringMatching(/build_prs_only/),
    });
    expect(await handleGitHubEvent(deps, push('refs/heads/main'))).toHaveProperty('pipeline');
    expect(await handleGitHubEvent(deps, push('refs/heads/release'))).toHaveProperty('pipeline');
    expect(await handleGitHubEvent(deps, push('refs/tags/v1'))).toHaveProperty('pipeline');
    expect(await handleGitHubEvent(deps, pr())).toMatchObject({
      pipeline: { vcs: { branch: 'feature', reviewId: '5' } },
    });
  });

  it('keeps what only the event knows for the pipeline values: the push’s previous commit, the pull request’s action and base', async () => {
    const { deps } = await setup({ buildPrsOnly: true });
    const before = 'b'.repeat(40);
    const pushed = await handleGitHubEvent(deps, { ...push('refs/heads/main'), before });
    expect(pushed).toMatchObject({ pipeline: { eventValues: { 'git.base_revision': before } } });
    const newBranch = await handleGitHubEvent(deps, { ...push('refs/heads/main'), before: '0'.repeat(40) });
    expect('pipeline' in newBranch && newBranch.pipeline.eventValues).toBeFalsy();
    const opened = await handleGitHubEvent(deps, pr({ action: 'synchronize', base: 'main' }));
    expect(opened).toMatchObject({ pipeline: { eventValues: { 'event.action': 'synchronize', 'event.github.pull_request.base.ref': 'main' } } });
  });

  it('ignores repositories without a project', async () => {
    const { deps } = await setup();
    expect(await handleGitHubEvent(deps, { ...push('refs/heads/main'), repository: 'acme/unknown' })).toEqual({
      skipped: expect.stringMatching(/No project gh\/acme\/unknown/),
    });
  });

  it('asks the conductor to cancel running workflows of older pipelines on the branch with auto-cancel', async () => {
    const { deps, project } = await setup({ autoCancelBuilds: true });
    const older = await handleGitHubEvent(deps, push('refs/heads/feature'));
    if (!('pipeline' in older)) throw new Error('expected a pipeline');
    const wf = aWorkflow({ pipelineId: older.pipeline.id, projectSlug: project.slug });
    await deps.pipelines.createWorkflow(wf, [aJob(wf)]);
    const received: unknown[] = [];
    const spy = {
      ...deps,
      queue: {
        send: async (q: string, body: object) => void received.push({ q, body }),
        sendMany: deps.queue.sendMany.bind(deps.queue),
        reject: deps.queue.reject.bind(deps.queue),
      },
    };
    await handleGitHubEvent(spy, push('refs/heads/feature'));
    expect(received).toContainEqual({
      q: 'events',
      body: { workflowId: wf.id, event: { type: 'WorkflowCancelRequested', by: 'auto-cancel' } },
    });
    received.length = 0;
    await handleGitHubEvent(spy, push('refs/heads/main'));
    expect(received.filter((m) => (m as { q: string }).q === 'events')).toEqual([]);
  });

  it('keeps the reachable repositories of installations current', async () => {
    const { deps } = await setup();
    const base = { type: 'GitHubInstallation' as const, installationId: 31, account: 'acme' };
    await handleGitHubEvent(deps, {
      ...base,
      deliveryId: 'i1',
      action: 'set',
      repositories: ['acme/demo', 'acme/api'],
    });
    await handleGitHubEvent(deps, {
      ...base,
      deliveryId: 'i2',
      action: 'remove',
      repositories: ['acme/api'],
    });
    expect(await handleGitHubEvent(deps, { ...base, deliveryId: 'i3', action: 'add', repositories: ['acme/web'] })).toEqual({
      installation: 31,
      repositories: ['acme/demo', 'acme/web'],
    });
    await handleGitHubEvent(deps, { ...base, deliveryId: 'i4', action: 'delete', repositories: [] });
    expect(await deps.githubInstallations.findInstallation('acme/demo')).toBeUndefined();
  });
});
