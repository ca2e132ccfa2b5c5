import type { SQSEvent } from 'aws-lambda';
import type { ControlPlaneDeps } from '../shared/services/deps';
import { sqsConsumer } from './sqs-consumer';

const record = (messageId: string, body: unknown, group?: string) => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: JSON.stringify(body),
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '0',
    SenderId: 'x',
    ApproximateFirstReceiveTimestamp: '0',
    ...(group && { MessageGroupId: group }),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:q',
  awsRegion: 'eu-west-1',
});

const task = (jobId: string) => ({ workflowId: 'w', jobId, taskIndex: 0, attempt: 1 });

describe('sqsConsumer', () => {
  const recorded: [string, number][] = [];
  const deps = { metrics: { record: (name: string, value: number) => recorded.push([name, value]) } } as unknown as ControlPlaneDeps;
  beforeEach(() => (recorded.length = 0));

  it('reports the failed messages as batch item failures and counts them in MessagesFailed', async () => {
    const consume = sqsConsumer(
      'dispatch',
      async (_deps, message) => {
        if (message.jobId === 'fail') throw new Error('boom');
      },
      { deps: async () => deps },
    );
    const event = { Records: [record('a', task('ok')), record('b', task('fail')), record('c', task('fail'))] } as SQSEvent;
    const res = await consume(event);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'b' }, { itemIdentifier: 'c' }]);
    expect(recorded).toEqual([['MessagesFailed', 2]]);
  });

  it('records nothing when every message succeeds', async () => {
    const consume = sqsConsumer('dispatch', async () => undefined, { deps: async () => deps });
    expect((await consume({ Records: [record('a', task('ok'))] } as SQSEvent)).batchItemFailures).toEqual([]);
    expect(recorded).toEqual([]);
  });

  it('counts the messages of a FIFO group failed after the first failure', async () => {
    const consume = sqsConsumer(
      'events',
      async (_deps, message) => {
        if (message.event.type === 'WorkflowCancelRequested') throw new Error('boom');
      },
      { deps: async () => deps },
    );
    const cancel = { workflowId: 'g', event: { type: 'WorkflowCancelRequested', by: 'u' } };
    const res = await consume({ Records: [record('a', cancel, 'g'), record('b', { workflowId: 'g', event: { type: 'WorkflowCreated' } }, 'g')] } as SQSEvent);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a', 'b']);
    expect(recorded).toEqual([['MessagesFailed', 2]]);
  });
});
