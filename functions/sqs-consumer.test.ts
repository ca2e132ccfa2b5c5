import type { SQSEvent } from 'aws-lambda';
import type { ControlPlaneDeps } from '../shared/services/deps';
import { sqsConsumer } from './sqs-consumer';

const record = (messageId: string, body: unknown, group?: string) => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0', ...(group && { MessageGroupId: group }) },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:q',
  awsRegion: 'eu-west-1',
});

describe('sqsConsumer', () => {
  const recorded: [string, number][] = [];
  const deps = { metrics: { record: (name: string, value: number) => recorded.push([name, value]) } } as unknown as ControlPlaneDeps;
  beforeEach(() => (recorded.length = 0));

  it('reports the failed messages as batch item failures and counts them in MessagesFailed', async () => {
    const consume = sqsConsumer(async (_deps, body: { fail?: boolean }) => {
      if (body.fail) throw new Error('boom');
    }, { deps: async () => deps });
    const event = { Records: [record('a', {}), record('b', { fail: true }), record('c', { fail: true })] } as SQSEvent;
    const res = await consume(event);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'b' }, { itemIdentifier: 'c' }]);
    expect(recorded).toEqual([['MessagesFailed', 2]]);
  });

  it('records nothing when every message succeeds', async () => {
    const consume = sqsConsumer(async () => undefined, { deps: async () => deps });
    expect((await consume({ Records: [record('a', {})] } as SQSEvent)).batchItemFailures).toEqual([]);
    expect(recorded).toEqual([]);
  });

  it('counts the messages of a FIFO group failed after the first failure', async () => {
    const consume = sqsConsumer(async (_deps, body: { fail?: boolean }) => {
      if (body.fail) throw new Error('boom');
    }, { fifo: true, deps: async () => deps });
    const res = await consume({ Records: [record('a', { fail: true }, 'g'), record('b', {}, 'g')] } as SQSEvent);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a', 'b']);
    expect(recorded).toEqual([['MessagesFailed', 2]]);
  });
});
