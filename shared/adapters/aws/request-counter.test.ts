import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { RequestCounter, US_EAST_1_PRICES } from './request-counter';

/** A fake AWS endpoint: `{}` for JSON protocols, 1,000 bytes for an S3 GET, an empty 200 for other S3 calls. */
let server: Server;
let endpoint: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target) {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(target.includes('SendMessageBatch') ? '{"Successful":[],"Failed":[]}' : target.includes('SendMessage') ? '{"MessageId":"m"}' : '{}');
      } else if (req.method === 'GET') {
        res.writeHead(200, { 'content-length': '1000', 'content-type': 'application/octet-stream' });
        res.end('x'.repeat(1000));
      } else {
        res.writeHead(200, { etag: '"e"' });
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const common = () => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
function counted<T extends { middlewareStack: { add: (...a: any[]) => void } }>(client: T, counter: RequestCounter): T {
  client.middlewareStack.add(counter.middleware(), { step: 'initialize', name: 'slipwayRequestCounter' });
  return client;
}

describe('RequestCounter', () => {
  it('counts DynamoDB requests by operation, document-client commands as their low-level operation', async () => {
    const counter = new RequestCounter();
    const ddb = counted(new DynamoDBClient(common()), counter);
    await ddb.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: '1' } } }));
    await ddb.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: '1' } } }));
    const doc = DynamoDBDocumentClient.from(ddb);
    await doc.send(new PutCommand({ TableName: 't', Item: { pk: '2' } }));
    await doc.send(new QueryCommand({ TableName: 't', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': '2' } }));
    expect(counter.snapshot().requests.DynamoDB).toEqual({ PutItem: 2, GetItem: 1, Query: 1 });
  });

  it('counts SQS requests per started 64 KB chunk, FIFO apart', async () => {
    const counter = new RequestCounter();
    const sqs = counted(new SQSClient({ ...common(), md5: false }), counter);
    await sqs.send(new SendMessageCommand({ QueueUrl: `${endpoint}/1/q`, MessageBody: 'small' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: `${endpoint}/1/q`, MessageBody: 'x'.repeat(100 * 1024) }));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: `${endpoint}/1/e.fifo`,
        Entries: [
          { Id: '1', MessageBody: 'a', MessageGroupId: 'w' },
          { Id: '2', MessageBody: 'b', MessageGroupId: 'w' },
        ],
      }),
    );
    const snap = counter.snapshot();
    expect(snap.requests.SQS).toEqual({ SendMessage: 2, SendMessageBatch: 1 });
    expect(snap.sqsStandardChunks).toBe(3);
    expect(snap.sqsFifoChunks).toBe(1);
    // An empty poll is counted apart, not as work of any job.
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${endpoint}/1/q`, WaitTimeSeconds: 0 }));
    expect(counter.snapshot()).toMatchObject({ sqsStandardChunks: 3, sqsEmptyReceives: 1 });
  });

  it('counts S3 PUT and GET requests and their bytes', async () => {
    const counter = new RequestCounter();
    const s3 = counted(
      new S3Client({ ...common(), forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
      counter,
    );
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'logs/1', Body: 'y'.repeat(2048) }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'logs/1' }));
    await got.Body?.transformToString();
    counter.record('S3', 'PutObject', 500);
    const snap = counter.snapshot();
    expect(snap.requests.S3).toEqual({ PutObject: 2, GetObject: 1 });
    expect(snap.s3PutBytes).toBe(2548);
    expect(snap.s3GetBytes).toBe(1000);
  });

  it('prices a snapshot with us-east-1 list prices', () => {
    const counter = new RequestCounter();
    const snapshot = {
      requests: {
        DynamoDB: { PutItem: 1_000_000, GetItem: 1_000_000, DescribeTable: 5 },
        S3: { PutObject: 1000, ListObjectsV2: 1000, GetObject: 1000, DeleteObject: 1000 },
        KMS: { Decrypt: 10_000 },
        SecretsManager: { GetSecretValue: 10_000 },
      },
      sqsStandardChunks: 1_000_000,
      sqsEmptyReceives: 0,
      sqsFifoChunks: 1_000_000,
      s3PutBytes: 0,
      s3GetBytes: 0,
      httpApiRequests: 1_000_000,
      lambdaInvocations: 1_000_000,
    };
    const b = counter.priceBreakdownUsd(snapshot, { lambdaDurationMs: 100, lambdaMemoryMb: 1024 });
    expect(b.DynamoDB).toBeCloseTo(0.625 + 0.125, 6);
    expect(b.SQS).toBeCloseTo(0.4 + 0.5, 6);
    expect(b.S3).toBeCloseTo(2 * 0.005 + 0.0004, 6);
    expect(b.KMS).toBeCloseTo(0.03, 6);
    expect(b.SecretsManager).toBeCloseTo(0.05, 6);
    expect(b.ApiGateway).toBeCloseTo(1, 6);
    expect(b.Lambda).toBeCloseTo(0.2 + 100_000 * US_EAST_1_PRICES.lambdaArmGbSecond, 6);
    expect(counter.priceUsd(snapshot, { lambdaDurationMs: 100, lambdaMemoryMb: 1024 })).toBeCloseTo(
      Object.values(b).reduce((x, y) => x + y, 0),
      9,
    );
  });

  it('records HTTP requests and invocations, and resets everything', async () => {
    const counter = new RequestCounter();
    counter.recordHttpRequest();
    counter.recordInvocation();
    counter.record('KMS', 'Decrypt');
    expect(counter.snapshot()).toMatchObject({ httpApiRequests: 1, lambdaInvocations: 1, requests: { KMS: { Decrypt: 1 } } });
    counter.reset();
    expect(counter.snapshot()).toEqual({
      requests: {},
      sqsStandardChunks: 0,
      sqsEmptyReceives: 0,
      sqsFifoChunks: 0,
      s3PutBytes: 0,
      s3GetBytes: 0,
      httpApiRequests: 0,
      lambdaInvocations: 0,
    });
  });
});
