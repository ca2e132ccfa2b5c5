import { randomBytes } from 'node:crypto';
import { ChangeMessageVisibilityBatchCommand, CreateQueueCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createAwsClients } from '../shared/adapters/aws/clients';
import { SqsPoller } from './sqs-poller';

/** Resolves once `check` holds (polled every 50 ms); fails after `ms` saying what was awaited. */
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('SqsPoller', () => {
  it('keeps a message invisible while its handler runs beyond the visibility timeout: no second consumer gets it', async () => {
    const sqs = createAwsClients(process.env).sqs;
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `poller-${randomBytes(4).toString('hex')}`, Attributes: { VisibilityTimeout: '1' } })))
      .QueueUrl!;
    // The poller's client, counting the renewals it sends.
    let renewals = 0;
    const client = {
      send: (command: Parameters<SQSClient['send']>[0], options?: unknown) => {
        if (command instanceof ChangeMessageVisibilityBatchCommand) renewals++;
        return sqs.send(command as never, options as never);
      },
    } as unknown as SQSClient;
    const deliveries: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const poller = new SqsPoller({
      client,
      queueUrl,
      // Two receive loops: the second would take the message once its visibility ran out.
      concurrency: 2,
      visibilityTimeoutSeconds: 1,
      handler: async (event) => {
        deliveries.push(...event.Records.map((r) => r.body));
        await released;
      },
    });
    await poller.start();
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'pass' }));
      await until('the handler has the message', () => deliveries.length > 0);
      // Four renewals every half second: the handler has held the message twice its visibility timeout.
      await until('the visibility was renewed four times', () => renewals >= 4);
      expect(deliveries).toEqual(['pass']);
      release();
    } finally {
      release();
      await poller.stop(10_000);
    }
    expect(deliveries).toEqual(['pass']);
  });
});
