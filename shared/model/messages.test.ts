import { sign } from '@octokit/webhooks-methods';
import { examplePayload } from '../../test/support/fake-github';
import type { MessageQueue, QueueMessage, QueueName } from '../ports/message-queue';
import { announceJobFinished, sendWorkflowEvent } from '../services/workflows/workflow-events';
import { receiveGitHubWebhook } from '../services/github/webhooks';
import type { WorkflowEvent } from '../workflow/reducer';
import { JOB_STATUSES, MESSAGE_SCHEMAS, parseQueueMessage, WorkflowEventSchema } from './messages';
import type { JobStatus } from './statuses';
import type { z } from 'zod';

/** Compile-time: the schemas describe exactly the types the reducer and the model use. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const eventsMatch: Same<z.infer<typeof WorkflowEventSchema>, WorkflowEvent> = true;
const statusesMatch: Same<(typeof JOB_STATUSES)[number], JobStatus> = true;

/** A queue that keeps what the code under test sends, as the consumer would read it (JSON round trip). */
function recordingQueue() {
  const sent: Array<{ queue: QueueName; body: string }> = [];
  const queue: MessageQueue = {
    send: async (q, body) => void sent.push({ queue: q, body: JSON.stringify(body) }),
    sendMany: async (q, messages) => void sent.push(...messages.map((m) => ({ queue: q, body: JSON.stringify(m.body) }))),
    reject: async () => undefined,
  };
  return { queue, sent };
}

async function deliverExample(queue: MessageQueue, event: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const headers = {
    'x-github-event': event,
    'x-github-delivery': `d-${event}`,
    'x-hub-signature-256': await sign('s3cret', body),
    'content-type': 'application/json',
  };
  const deps = {
    queue,
    dedupe: { claim: async () => true, release: async () => undefined },
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    githubWebhookSecrets: ['s3cret'],
  };
  return receiveGitHubWebhook(deps as never, { headers, body });
}

describe('queue message schemas', () => {
  it('describe the reducer events and job statuses exactly (checked by the compiler)', () => {
    expect([eventsMatch, statusesMatch]).toEqual([true, true]);
  });

  it('accept what the webhook receiver queues on triggers for real GitHub deliveries', async () => {
    const { queue, sent } = recordingQueue();
    const pushes = examplePayload('push', (p) => !p.deleted && p.ref.startsWith('refs/heads/') && p.head_commit);
    const pr = examplePayload('pull_request', (p) => p.action === 'opened');
    const installation = examplePayload('installation', (p) => p.action === 'created');
    const added = examplePayload('installation_repositories', (p) => p.action === 'added');
    for (const [event, payload] of [
      ['push', pushes],
      ['pull_request', pr],
      ['installation', installation],
      ['installation_repositories', added],
    ] as const) {
      expect((await deliverExample(queue, event, payload)).status).toBe(202);
    }
    expect(sent.map((m) => m.queue)).toEqual(['triggers', 'triggers', 'triggers', 'triggers']);
    const parsed = sent.map((m) => parseQueueMessage('triggers', m.body));
    expect(parsed.map((p) => (p.ok ? p.message.type : p.reason))).toEqual(['GitHubPush', 'GitHubPullRequest', 'GitHubInstallation', 'GitHubInstallation']);
  });

  it('accept what the conductor sends on events and notify', async () => {
    const { queue, sent } = recordingQueue();
    await sendWorkflowEvent({ queue }, 'wf-1', { type: 'JobApproved', jobId: 'job-1', by: 'user-1' }, 'wf-1:approve');
    await announceJobFinished({ queue }, 'wf-1', 'job-1', 'infrastructure_fail', { stoppedAt: '2026-01-01T00:00:00Z' });
    expect(sent.map((m) => [m.queue, parseQueueMessage(m.queue, m.body).ok])).toEqual([
      ['events', true],
      ['notify', true],
    ]);
  });

  // The literal shapes of the remaining send sites (pipelines.ts, reconcile.ts, advance-workflow.ts, webhook-delivery.ts).
  const examples: { [Q in QueueName]: Array<QueueMessage<Q>> } = {
    triggers: [{ type: 'PipelineTriggered', pipelineId: 'b1c2d3' }],
    dispatch: [{ workflowId: 'wf-1', jobId: 'job-1', taskIndex: 0, attempt: 1 }],
    events: [
      { workflowId: 'wf-1', event: { type: 'WorkflowCreated' } },
      { workflowId: 'wf-1', event: { type: 'TaskFinished', jobId: 'job-1' } },
      { workflowId: 'wf-1', event: { type: 'WorkflowCancelRequested', by: 'auto-cancel' } },
      { workflowId: 'wf-1', event: { type: 'JobCancelRequested', jobId: 'job-1', by: 'user-1' } },
      { workflowId: 'wf-1', event: { type: 'Reconcile' } },
    ],
    notify: [
      { type: 'JobQueued', workflowId: 'wf-1', jobId: 'job-1' },
      { type: 'WorkflowFinished', workflowId: 'wf-1', status: 'failed' },
      { type: 'DeliverWebhook', eventId: 'ev-1', attempt: 1 },
      { type: 'DeliverWebhook', eventId: 'ev-1', attempt: 3, notBefore: new Date('2026-01-01T00:10:00Z').toISOString() },
    ],
  };
  for (const queue of Object.keys(MESSAGE_SCHEMAS) as QueueName[]) {
    it(`accept every example of the ${queue} queue`, () => {
      for (const message of examples[queue]) expect(parseQueueMessage(queue, JSON.stringify(message))).toEqual({ ok: true, message });
    });
  }

  it.each([
    ['dispatch', '{"workflowId":"wf-1","jobId":"job-1","taskIndex":"0","attempt":1}', /dispatch message does not match its schema at taskIndex: .*number/],
    ['dispatch', '{"workflowId":"wf-1","jobId":"job-1","taskIndex":0}', /at attempt: /],
    ['events', '{"workflowId":"wf-1","event":{"type":"JobExploded","jobId":"job-1"}}', /events message does not match its schema at event.type/],
    ['notify', '{"type":"JobFinished","workflowId":"wf-1","jobId":"job-1","status":"exploded"}', /at status: /],
    ['notify', '{"type":"DeliverWebhook","eventId":"ev-1","attempt":1,"notBefore":"tomorrow"}', /at notBefore: /],
    ['triggers', '{"pipelineId":"p-1"}', /triggers message does not match its schema at type/],
    ['triggers', '{"type":"PipelineTriggered"', /triggers message is not JSON/],
    ['notify', '[]', /at \(root\)/],
  ] as const)('refuse a malformed %s message with the field and the problem: %s', (queue, body, reason) => {
    const parsed = parseQueueMessage(queue, body);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });
});
