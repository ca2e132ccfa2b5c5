import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../../adapters/aws/dynamo-project-store';
import { DynamoWebhookStore } from '../../adapters/aws/dynamo-webhook-store';
import { GuardedWebhookTransport } from '../../adapters/http/guarded-webhook-transport';
import { LocalKeyCipher } from '../../adapters/local/local-key-cipher';
import { aJob, aPipeline, aProject, aWorkflow } from '../../model/fixtures';
import type { MessageQueue, SendOptions } from '../../ports/message-queue';
import { createTestResources } from '../../../test/support/aws';
import type { ControlPlaneDeps } from '../deps';
import { handleNotification, type NotifyMessage } from './notifications';
import { createWebhook } from './outbound-webhooks';
import { RETRY_WINDOW_SECONDS } from './webhook-delivery';

const SECRET = 'receiver-shared-secret-0123';

/** A webhook receiver: verifies `circleci-signature` with the secret and answers from a script of statuses. */
async function startReceiver(statuses: number[] = []) {
  const received: Array<{ type: string; body: any; verified: boolean }> = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const expected = Buffer.from(`v1=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
      const got = Buffer.from(String(req.headers['circleci-signature'] ?? ''));
      received.push({
        type: String(req.headers['circleci-event-type']),
        body: JSON.parse(raw),
        verified: got.length === expected.length && timingSafeEqual(got, expected),
      });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise((r) => server.close(r)) };
}

/** The notify queue as the consumer sees it: messages sent, with their delays, drained by the test. */
class RecordingQueue implements MessageQueue {
  sent: Array<{ body: any; options?: SendOptions }> = [];
  async send(_q: string, body: object, options?: SendOptions) {
    this.sent.push({ body, options });
  }
  async sendMany(q: string, messages: Array<{ body: object; options?: SendOptions }>) {
    for (const m of messages) await this.send(q, m.body, m.options);
  }
  async reject(): Promise<void> {
    throw new Error('the notify consumer refused a message it sent itself');
  }
}

async function setup(statuses: number[] = []) {
  const r = await createTestResources({ queues: false });
  let now = new Date('2026-03-01T10:00:00.000Z');
  const queue = new RecordingQueue();
  const deps = {
    pipelines: new DynamoPipelineStore(r.table),
    projects: new DynamoProjectStore(r.table),
    webhooks: new DynamoWebhookStore(r.table),
    webhookTransport: new GuardedWebhookTransport({ allowPrivate: false, allowLoopback: true, allowHttp: true }),
    cipher: new LocalKeyCipher(randomBytes(32)),
    queue,
    clock: { now: () => now },
    publicUrl: 'http://slipway.test',
  } as unknown as ControlPlaneDeps;
  const project = aProject({ slug: 'gh/acme/hooks', name: 'hooks', createdAt: now.toISOString() });
  await deps.projects.createProject(project);
  const receiver = await startReceiver(statuses);
  const hook = await createWebhook(deps, project, {
    name: 'ci',
    events: ['workflow-completed', 'job-completed'],
    url: receiver.url,
    'verify-tls': true,
    'signing-secret': SECRET,
    scope: { id: project.id, type: 'project' },
  });
  const pipeline = aPipeline({ projectSlug: project.slug });
  await deps.pipelines.createPipeline(pipeline);
  const workflow = aWorkflow({ projectSlug: project.slug, pipelineId: pipeline.id, status: 'failed', stoppedAt: now.toISOString() });
  const failed = aJob(workflow, { name: 'a', status: 'failed', number: 1, startedAt: now.toISOString(), stoppedAt: now.toISOString() });
  const passed = aJob(workflow, { name: 'x', status: 'success', number: 2, startedAt: now.toISOString(), stoppedAt: now.toISOString() });
  await deps.pipelines.createWorkflow(workflow, [failed, passed]);
  /** Hands every queued message to the consumer, moving the clock by each message's delay; returns the delays. */
  const drain = async () => {
    const delays: number[] = [];
    while (queue.sent.length) {
      const { body, options } = queue.sent.shift()!;
      delays.push(options?.delaySeconds ?? 0);
      now = new Date(now.getTime() + (options?.delaySeconds ?? 0) * 1000);
      await handleNotification(deps, body as NotifyMessage);
    }
    return delays;
  };
  return { deps, hook, receiver, workflow, failed, passed, drain, setNow: (d: Date) => (now = d) };
}

describe('outbound webhook delivery', () => {
  it('delivers one signed job-completed per job and one workflow-completed, each once, when notifications arrive twice', async () => {
    const s = await setup();
    const notify = (m: NotifyMessage) => Promise.all([handleNotification(s.deps, m), handleNotification(s.deps, m)]);
    await notify({ type: 'JobFinished', workflowId: s.workflow.id, jobId: s.failed.id, status: 'failed' });
    await notify({ type: 'JobFinished', workflowId: s.workflow.id, jobId: s.passed.id, status: 'success' });
    await notify({ type: 'WorkflowFinished', workflowId: s.workflow.id, status: 'failed' });
    await s.drain();
    await notify({ type: 'WorkflowFinished', workflowId: s.workflow.id, status: 'failed' });
    await s.drain();
    await s.receiver.close();

    expect(s.receiver.received.every((r) => r.verified)).toBe(true);
    expect(s.receiver.received.map((r) => `${r.type} ${r.body.job?.name ?? r.body.workflow.status}`).sort()).toEqual([
      'job-completed a',
      'job-completed x',
      'workflow-completed failed',
    ]);
    const wf = s.receiver.received.find((r) => r.type === 'workflow-completed')!.body;
    expect(wf).toMatchObject({
      type: 'workflow-completed',
      webhook: { id: s.hook.id, name: 'ci' },
      project: { slug: 'gh/acme/hooks', name: 'hooks' },
      organization: { name: 'acme' },
      workflow: { id: s.workflow.id, status: 'failed', url: expect.stringContaining(`/workflows/${s.workflow.id}`) },
      pipeline: { number: 1, vcs: { revision: 'a'.repeat(40), branch: 'main' } },
    });
    expect(new Set(s.receiver.received.map((r) => r.body.id)).size).toBe(3);
  });

  it('retries 5xx answers with growing, jittered delays and delivers on the third attempt', async () => {
    const s = await setup([500, 500, 200]);
    await handleNotification(s.deps, { type: 'WorkflowFinished', workflowId: s.workflow.id, status: 'failed' });
    const delays = await s.drain();
    await s.receiver.close();

    expect(s.receiver.received.map((r) => r.type)).toEqual(['workflow-completed', 'workflow-completed', 'workflow-completed']);
    expect(new Set(s.receiver.received.map((r) => r.body.id)).size).toBe(1);
    expect(delays[0]).toBe(0);
    expect(delays[1]).toBeGreaterThanOrEqual(8);
    expect(delays[1]).toBeLessThanOrEqual(12);
    expect(delays[2]).toBeGreaterThanOrEqual(24);
    expect(delays[2]).toBeLessThanOrEqual(36);
    const log = await s.deps.webhooks!.listAttempts(s.hook.id);
    expect(log.map((a) => [a.attempt, a.status, a.willRetry])).toEqual([
      [3, 200, false],
      [2, 500, true],
      [1, 500, true],
    ]);
  });

  it('does not retry a 4xx answer, and stops retrying after about a day', async () => {
    const s = await setup([410]);
    await handleNotification(s.deps, { type: 'WorkflowFinished', workflowId: s.workflow.id, status: 'failed' });
    await s.drain();
    expect(s.receiver.received).toHaveLength(1);

    const down = await setup(Array(100).fill(503));
    await handleNotification(down.deps, { type: 'JobFinished', workflowId: down.workflow.id, jobId: down.failed.id, status: 'failed' });
    const delays = await down.drain();
    await Promise.all([s.receiver.close(), down.receiver.close()]);
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(RETRY_WINDOW_SECONDS);
    expect(total).toBeGreaterThan(RETRY_WINDOW_SECONDS / 2);
    expect(Math.max(...delays)).toBeLessThanOrEqual(900);
    const log = await down.deps.webhooks!.listAttempts(down.hook.id, 100);
    expect(log[0].willRetry).toBe(false);
    expect(log.length).toBe(down.receiver.received.length);
  });
});

describe('GuardedWebhookTransport', () => {
  const strict = new GuardedWebhookTransport({ allowPrivate: false, allowLoopback: false, allowHttp: false });
  it.each([
    ['https://10.0.0.5/hook', /private/],
    ['https://169.254.169.254/latest/meta-data', /linkLocal/],
    ['https://127.0.0.1:8443/hook', /loopback/],
    ['https://[::1]/hook', /loopback/],
    ['https://[fd00::1]/hook', /uniqueLocal/],
    ['http://example.com/hook', /scheme http is not allowed/],
    ['https://user:pw@example.com/', /credentials/],
    ['not a url', /not a valid URL/],
  ])('refuses %s', async (url, reason) => {
    await expect(strict.checkTarget(url)).rejects.toThrow(reason);
  });

  it('accepts a public address, and private ones when the operator allows them', async () => {
    await expect(strict.checkTarget('https://93.184.216.34/hook')).resolves.toBeUndefined();
    await expect(
      new GuardedWebhookTransport({ allowPrivate: true, allowLoopback: false, allowHttp: false }).checkTarget('https://10.0.0.5/'),
    ).resolves.toBeUndefined();
  });

  it('refuses at delivery a host that resolves to a loopback address', async () => {
    const res = await strict.post('https://localhost:1/hook', '{}', {}, { verifyTls: true });
    expect(res.status).toBeUndefined();
    expect(res.error).toMatch(/loopback/);
  });
});
