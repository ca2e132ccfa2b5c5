import { CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueName } from '../shared/ports/message-queue';
import { INDEX_PROJECTION, TABLE_INDEXES, indexKeys, type TableIndex } from '../shared/model/table-schema';

/** Creates the table exactly as the CDK stack defines it (pk/sk, gsi1, gsi2). Idempotent. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e;
  }
  const gsi = (n: TableIndex) => ({
    IndexName: n,
    KeySchema: [
      { AttributeName: indexKeys(n).partition, KeyType: 'HASH' as const },
      { AttributeName: indexKeys(n).sort, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: INDEX_PROJECTION },
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', ...TABLE_INDEXES.flatMap((n) => Object.values(indexKeys(n)))].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: TABLE_INDEXES.map(gsi),
    }),
  );
}

/** The four queues' URLs and their dead-letter queues' URLs. */
export interface QueueUrls {
  urls: Record<QueueName, string>;
  deadLetterUrls: Record<QueueName, string>;
}

/** The local queues' visibility timeout: a failed message is retried after this long (the pollers keep messages in work invisible). */
export const LOCAL_VISIBILITY_TIMEOUT_SECONDS = 30;

/** Creates the four queues, each with a DLQ (maxReceiveCount 5); `events` is FIFO. Resolves their URLs. */
export async function ensureQueues(client: SQSClient, prefix: string, visibilityTimeoutSeconds = 30): Promise<Record<QueueName, string>> {
  return (await ensureQueuesWithDeadLetters(client, prefix, visibilityTimeoutSeconds)).urls;
}

/** {@link ensureQueues}, resolving the dead-letter queues' URLs too (consumers send refused records there). */
export async function ensureQueuesWithDeadLetters(client: SQSClient, prefix: string, visibilityTimeoutSeconds = 30): Promise<QueueUrls> {
  const names: QueueName[] = ['triggers', 'dispatch', 'events', 'notify'];
  const out = {} as Record<QueueName, string>;
  const deadLetterUrls = {} as Record<QueueName, string>;
  for (const name of names) {
    const fifo = name === 'events';
    const suffix = fifo ? '.fifo' : '';
    const fifoAttrs = fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {};
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}-dlq${suffix}`, Attributes: fifoAttrs }));
    const dlqArn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
    const q = await client.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-${name}${suffix}`,
        Attributes: {
          ...fifoAttrs,
          VisibilityTimeout: String(visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
        },
      }),
    );
    out[name] = q.QueueUrl!;
    deadLetterUrls[name] = dlq.QueueUrl!;
  }
  return { urls: out, deadLetterUrls };
}

/** The dead-letter queues' environment variables (`TRIGGERS_DLQ_URL`, ...), as the CDK app sets them. */
export function deadLetterEnvironment(urls: Partial<Record<QueueName, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(urls).map(([q, url]) => [`${q.toUpperCase()}_DLQ_URL`, url]));
}

export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}
