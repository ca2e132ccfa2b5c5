import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { SqsPoller } from '../local/sqs-poller';
import { SqsMessageQueue } from '../shared/adapters/aws/sqs-message-queue';
import { REJECT_QUEUE_ATTRIBUTE, REJECT_REASON_ATTRIBUTE, type QueueName } from '../shared/model/messages';
import type { ControlPlaneDeps } from '../shared/services/deps';
import { createTestResources, type TestResources } from '../test/support/aws';
import { sqsConsumer } from './sqs-consumer';

/**
 * The consumer wrapper on the SQS emulator, driven by the local runtime's poller (Lambda's event source mapping):
 * a malformed record goes to the dead-letter queue with the reason, the rest of its batch is handled.
 */
describe('sqsConsumer', () => {
  let r: TestResources;
  beforeEach(async () => {
    r = await createTestResources();
  });

  /** Runs the queue's consumer until `expected` messages were handled; resolves them in the order handled. */
  async function consume<Q extends QueueName>(queue: Q, expected: number): Promise<unknown[]> {
    const deps = { queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls, r.deadLetterUrls) } as unknown as ControlPlaneDeps;
    const handled: unknown[] = [];
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const handler = sqsConsumer(
      queue,
      async (_deps, message) => {
        handled.push(message);
        if (handled.length === expected) done();
      },
      { deps: async () => deps },
    );
    const poller = new SqsPoller({ client: r.clients.sqs, queueUrl: r.queueUrls[queue], handler, batchSize: 10 });
    await poller.start();
    await all;
    await poller.stop();
    return handled;
  }

  async function deadLetters(queue: QueueName) {
    const res = await r.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: r.deadLetterUrls[queue], MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ['All'] }),
    );
    return (res.Messages ?? []).map((m) => ({
      body: m.Body,
      reason: m.MessageAttributes?.[REJECT_REASON_ATTRIBUTE]?.StringValue,
      queue: m.MessageAttributes?.[REJECT_QUEUE_ATTRIBUTE]?.StringValue,
    }));
  }

  async function left(queue: QueueName): Promise<number> {
    const attrs = await r.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: r.queueUrls[queue], AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(attrs.Attributes?.ApproximateNumberOfMessages) + Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible);
  }

  it('sends a malformed record to the dead-letter queue with the reason while the rest of the batch succeeds', async () => {
    const valid = (taskIndex: number) => JSON.stringify({ workflowId: 'wf-1', jobId: 'job-1', taskIndex, attempt: 1 });
    const malformed = JSON.stringify({ workflowId: 'wf-1', jobId: 'job-1', taskIndex: 1 });
    await r.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: r.queueUrls.dispatch,
        Entries: [valid(0), malformed, valid(2)].map((MessageBody, i) => ({ Id: String(i), MessageBody })),
      }),
    );
    const handled = await consume('dispatch', 2);
    expect(handled).toEqual(expect.arrayContaining([JSON.parse(valid(0)), JSON.parse(valid(2))]));
    expect(await deadLetters('dispatch')).toEqual([
      { body: malformed, queue: 'dispatch', reason: expect.stringMatching(/dispatch message does not match its schema at attempt: .*number/) },
    ]);
    expect(await left('dispatch')).toBe(0);
  });

  it("does not hold a FIFO group behind a malformed record: the group's next events are handled", async () => {
    const event = (jobId: string) => JSON.stringify({ workflowId: 'wf-1', event: { type: 'TaskFinished', jobId } });
    const bodies = [event('job-0'), '{"workflowId":"wf-1","event":{"type":"TaskExploded"}}', event('job-2')];
    await r.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: r.queueUrls.events,
        Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody, MessageGroupId: 'wf-1', MessageDeduplicationId: `m-${i}` })),
      }),
    );
    const handled = await consume('events', 2);
    expect(handled).toEqual([JSON.parse(event('job-0')), JSON.parse(event('job-2'))]);
    expect(await deadLetters('events')).toEqual([{ body: bodies[1], queue: 'events', reason: expect.stringMatching(/at event.type/) }]);
    expect(await left('events')).toBe(0);
  });
});
