import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { defineMessageQueueContract } from '../../ports/message-queue.contract';
import { createTestResources } from '../../../test/support/aws';
import { SqsMessageQueue } from './sqs-message-queue';

defineMessageQueueContract('SqsMessageQueue on fauxqs', async () => {
  const r = await createTestResources();
  const receive = async (q: keyof typeof r.queueUrls) => {
    const out: object[] = [];
    for (;;) {
      const res = await r.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: r.queueUrls[q], MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      const msgs = res.Messages ?? [];
      if (!msgs.length) return out;
      out.push(...msgs.map((m) => JSON.parse(m.Body!)));
      await r.clients.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: r.queueUrls[q], Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
      );
    }
  };
  return { queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls), receive };
});
