import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { createAwsClients, type AwsClients } from '../../shared/adapters/aws/clients';
import { DynamoTable } from '../../shared/adapters/aws/dynamo-table';
import { deadLetterEnvironment, ensureBucket, ensureQueuesWithDeadLetters, ensureTable } from '../../local/provision';
import type { QueueName } from '../../shared/ports/message-queue';

/** A fresh table, bucket and queue set on the emulators started by the Jest global setup. */
export interface TestResources {
  clients: AwsClients;
  table: DynamoTable;
  tableName: string;
  bucket: string;
  queueUrls: Record<QueueName, string>;
  /** The queues' dead-letter queues (consumers send the records they refuse there). */
  deadLetterUrls: Record<QueueName, string>;
}

export async function createTestResources(options: { queues?: boolean } = {}): Promise<TestResources> {
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB) throw new Error('Emulators are not running: run tests through Jest (global setup).');
  const id = randomUUID().slice(0, 8);
  const clients = createAwsClients(process.env);
  const tableName = `t-${id}`;
  await ensureTable(clients.dynamo as unknown as DynamoDBClient, tableName);
  const bucket = `b-${id}`;
  await ensureBucket(clients.s3, bucket);
  const none = { urls: {} as Record<QueueName, string>, deadLetterUrls: {} as Record<QueueName, string> };
  const queues = options.queues === false ? none : await ensureQueuesWithDeadLetters(clients.sqs, `q-${id}`, 5);
  return { clients, table: new DynamoTable(clients.dynamo, tableName), tableName, bucket, queueUrls: queues.urls, deadLetterUrls: queues.deadLetterUrls };
}

/** The functions' environment variables that name these resources (as the CDK app sets them in AWS). */
export function resourceEnvironment(r: TestResources): Record<string, string> {
  return {
    TABLE_NAME: r.tableName,
    BUCKET_NAME: r.bucket,
    TRIGGERS_QUEUE_URL: r.queueUrls.triggers,
    DISPATCH_QUEUE_URL: r.queueUrls.dispatch,
    EVENTS_QUEUE_URL: r.queueUrls.events,
    NOTIFY_QUEUE_URL: r.queueUrls.notify,
    ...deadLetterEnvironment(r.deadLetterUrls),
  };
}
