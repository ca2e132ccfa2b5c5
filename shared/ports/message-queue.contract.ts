import type { MessageQueue, QueueName } from './message-queue';

/** What a test-side reader found on a dead-letter queue: the body and the two attributes of a refused record. */
export interface DeadLetter {
  body: string;
  reason?: string;
  sourceQueue?: string;
}

/**
 * `receive` drains what arrived on a queue (a test-side reader, e.g. SQS ReceiveMessage); `receiveDeadLetters`
 * drains that queue's dead-letter queue.
 */
export function defineMessageQueueContract(
  name: string,
  factory: () => Promise<{ queue: MessageQueue; receive: (q: QueueName) => Promise<object[]>; receiveDeadLetters: (q: QueueName) => Promise<DeadLetter[]> }>,
): void {
  const dispatch = (n: number) => ({ workflowId: 'wf-1', jobId: 'job-1', taskIndex: n, attempt: 1 });

  describe(`MessageQueue contract: ${name}`, () => {
    it('delivers sent messages, including batches larger than 10', async () => {
      const { queue, receive } = await factory();
      await queue.send('dispatch', dispatch(0));
      await queue.sendMany(
        'dispatch',
        Array.from({ length: 12 }, (_, i) => ({ body: dispatch(i + 1) })),
      );
      const got = await receive('dispatch');
      expect(got.map((m) => (m as { taskIndex: number }).taskIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    });

    it('keeps the order of one FIFO group and requires a group id', async () => {
      const { queue, receive } = await factory();
      const event = (jobId: string) => ({ workflowId: 'wf-1', event: { type: 'TaskFinished' as const, jobId } });
      for (let i = 0; i < 5; i++) await queue.send('events', event(`job-${i}`), { groupId: 'wf-1' });
      expect((await receive('events')).map((m) => (m as ReturnType<typeof event>).event.jobId)).toEqual(['job-0', 'job-1', 'job-2', 'job-3', 'job-4']);
      await expect(queue.send('events', event('job-9'))).rejects.toThrow(/groupId/);
    });

    it('puts a refused record on the dead-letter queue unchanged, with the reason and the source queue', async () => {
      const { queue, receive, receiveDeadLetters } = await factory();
      await queue.reject('notify', { body: '{"type":"Nope"}', reason: 'no such message type' });
      await queue.reject('events', { body: 'not json', reason: 'not JSON', groupId: 'wf-7', deduplicationId: 'm-1' });
      expect(await receiveDeadLetters('notify')).toEqual([{ body: '{"type":"Nope"}', reason: 'no such message type', sourceQueue: 'notify' }]);
      expect(await receiveDeadLetters('events')).toEqual([{ body: 'not json', reason: 'not JSON', sourceQueue: 'events' }]);
      expect(await receive('notify')).toEqual([]);
    });
  });
}
