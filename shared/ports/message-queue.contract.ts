import type { MessageQueue, QueueName } from './message-queue';

/** `receive` drains what arrived on a queue (a test-side reader, e.g. SQS ReceiveMessage). */
export function defineMessageQueueContract(
  name: string,
  factory: () => Promise<{ queue: MessageQueue; receive: (q: QueueName) => Promise<object[]> }>,
): void {
  describe(`MessageQueue contract: ${name}`, () => {
    it('delivers sent messages, including batches larger than 10', async () => {
      const { queue, receive } = await factory();
      await queue.send('dispatch', { n: 0 });
      await queue.sendMany('dispatch', Array.from({ length: 12 }, (_, i) => ({ body: { n: i + 1 } })));
      const got = await receive('dispatch');
      expect(got.map((m) => (m as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    });

    it('keeps the order of one FIFO group and requires a group id', async () => {
      const { queue, receive } = await factory();
      for (let i = 0; i < 5; i++) await queue.send('events', { i }, { groupId: 'wf-1' });
      expect((await receive('events')).map((m) => (m as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
      await expect(queue.send('events', { i: 9 })).rejects.toThrow(/groupId/);
    });
  });
}
