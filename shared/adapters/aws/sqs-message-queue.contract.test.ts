import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { REJECT_QUEUE_ATTRIBUTE, REJECT_REASON_ATTRIBUTE } from '../../model/messages';
import { defineMessageQueueContract } from '../../ports/message-queue.contract';
import { createTestResources } from '../../../test/support/aws';
import { SqsMessageQueue } from './sqs-message-queue';

defineMessageQueueContract('SqsMessageQueue on fauxqs', async () => {
  const r = await createTestResources();
  const drain = async (url: string): Promise<Message[]> => {
    const out: Message[] = [];
    for (;;) {
      const res = await r.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
      );
      const msgs = res.Messages ?? [];
      if (!msgs.length) return out;
      out.push(...msgs);
      await r.clients.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: url, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
      );
    }
  };
  return {
    queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls, r.deadLetterUrls),
    receive: async (q) => (await drain(r.queueUrls[q])).map((m) => JSON.parse(m.Body!)),
    receiveDeadLetters: async (q) =>
      (await drain(r.deadLetterUrls[q])).map((m) => ({
        body: m.Body!,
        reason: m.MessageAttributes?.[REJECT_REASON_ATTRIBUTE]?.StringValue,
        sourceQueue: m.MessageAttributes?.[REJECT_QUEUE_ATTRIBUTE]?.StringValue,
      })),
  };
});
