import { randomUUID } from 'node:crypto';
import { DynamoDedupeStore } from '../../adapters/aws/dynamo-dedupe-store';
import { DynamoIdentityStore } from '../../adapters/aws/dynamo-identity-store';
import { DynamoNotificationPreferences } from '../../adapters/aws/dynamo-notification-preferences';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../../adapters/aws/dynamo-project-store';
import { SmtpMailer } from '../../adapters/local/smtp-mailer';
import { aJob, aPipeline, aProject, aWorkflow } from '../../model/fixtures';
import { createTestResources } from '../../../test/support/aws';
import { startSmtpSink } from '../../../test/support/smtp-sink';
import type { ControlPlaneDeps } from '../deps';
import { emailWorkflowOutcome } from './email-notifications';

describe('emailWorkflowOutcome', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    smtp = await startSmtpSink();
  });
  afterAll(() => smtp.stop());

  async function setup() {
    const r = await createTestResources({ queues: false });
    const deps = {
      pipelines: new DynamoPipelineStore(r.table),
      projects: new DynamoProjectStore(r.table),
      identity: new DynamoIdentityStore(r.table),
      dedupe: new DynamoDedupeStore(r.table),
      notificationPreferences: new DynamoNotificationPreferences(r.table),
      mailer: new SmtpMailer(smtp.url, 'ci@slipway.test'),
      publicUrl: 'http://slipway.test',
    } as unknown as ControlPlaneDeps;
    const slug = `gh/acme/${randomUUID().slice(0, 8)}`;
    const project = aProject({ slug, name: 'app' });
    await deps.projects.createProject(project);
    const actor = { id: randomUUID(), login: `actor-${slug.slice(-8)}`, name: 'Actor', roles: {}, admin: false, createdAt: project.createdAt };
    await deps.identity.createUser(actor);
    const committer = randomUUID();
    const tag = slug.slice(-8);
    await deps.notificationPreferences!.putUser({ userId: actor.id, email: `actor-${tag}@example.com`, emailNotifications: 'failed_and_fixed' });
    await deps.notificationPreferences!.putUser({ userId: committer, email: `committer-${tag}@example.com`, emailNotifications: 'failed_and_fixed' });
    let n = 0;
    const finish = async (status: 'failed' | 'success') => {
      const pipeline = aPipeline({
        projectSlug: slug,
        number: ++n,
        trigger: { type: 'api', receivedAt: project.createdAt, actor: { login: actor.login, avatarUrl: null } },
      });
      pipeline.vcs.commit = { subject: 'change', body: '', committerEmail: `COMMITTER-${tag}@example.com` };
      await deps.pipelines.createPipeline(pipeline);
      const workflow = aWorkflow({
        projectSlug: slug,
        pipelineId: pipeline.id,
        pipelineNumber: n,
        status,
        stoppedAt: new Date().toISOString(),
        createdAt: new Date(Date.now() + n).toISOString(),
      });
      await deps.pipelines.createWorkflow(workflow, [aJob(workflow, { status, number: n })]);
      return workflow.id;
    };
    const mailsFor = () => smtp.mails.filter((m) => m.to.some((t) => t.includes(tag)));
    return { deps, slug, actor, committer, tag, finish, mailsFor };
  }

  it('emails a failure once even when told twice, and a success after it as fixed', async () => {
    const s = await setup();
    const failed = await s.finish('failed');
    await Promise.all([emailWorkflowOutcome(s.deps, failed), emailWorkflowOutcome(s.deps, failed)]);
    const passed = await s.finish('success');
    await emailWorkflowOutcome(s.deps, passed);
    await emailWorkflowOutcome(s.deps, await s.finish('success'));
    const mails = s.mailsFor();
    expect(mails.map((m) => /^Subject: (\w+)/m.exec(m.raw)?.[1])).toEqual(['Failed', 'Fixed']);
    expect(mails[0].to).toEqual([`actor-${s.tag}@example.com`, `committer-${s.tag}@example.com`]);
  });

  it('sends nothing when the project says none, and leaves out a user who says none', async () => {
    const s = await setup();
    await s.deps.notificationPreferences!.putProject(s.slug, { emailNotifications: 'none' });
    await emailWorkflowOutcome(s.deps, await s.finish('failed'));
    expect(s.mailsFor()).toEqual([]);
    await s.deps.notificationPreferences!.putProject(s.slug, { emailNotifications: 'all' });
    await s.deps.notificationPreferences!.putUser({ userId: s.committer, email: `committer-${s.tag}@example.com`, emailNotifications: 'none' });
    await emailWorkflowOutcome(s.deps, await s.finish('failed'));
    expect(s.mailsFor().map((m) => m.to)).toEqual([[`actor-${s.tag}@example.com`]]);
    await s.deps.notificationPreferences!.putUser({ userId: s.actor.id, email: `actor-${s.tag}@example.com`, emailNotifications: 'none' });
    await emailWorkflowOutcome(s.deps, await s.finish('success'));
    expect(s.mailsFor()).toHaveLength(1);
  });
});
