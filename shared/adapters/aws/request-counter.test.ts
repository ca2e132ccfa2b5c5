import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { RequestCounter, type RequestSnapshot } from './request-counter';
import { US_EAST_1_PRICES } from './request-pricing';

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
    expect(counter.snapshot()).toMatchObject({ sqsStandardChunks: 3, sqsEmptyReceives: 1, sqsReceivesByQueue: { q: { receives: 1, empty: 1, messages: 0 } } });
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

  it("prices a snapshot with us-east-1 list prices: DynamoDB by units, Lambda by each function's time and memory", () => {
    const counter = new RequestCounter();
    const snapshot: RequestSnapshot = {
      requests: {
        DynamoDB: { PutItem: 1_000_000, GetItem: 1_000_000, DescribeTable: 5 },
        S3: { PutObject: 1000, ListObjectsV2: 1000, GetObject: 1000, DeleteObject: 1000 },
        KMS: { Decrypt: 10_000 },
        SecretsManager: { GetSecretValue: 10_000 },
      },
      sqsStandardChunks: 1_000_000,
      sqsEmptyReceives: 3_000_000,
      sqsReceivesByQueue: {
        'slipway-dispatch': { receives: 2_500_000, empty: 2_000_000, messages: 500_000 },
        'slipway-events.fifo': { receives: 1_000_000, empty: 1_000_000, messages: 0 },
      },
      sqsFifoChunks: 1_000_000,
      s3PutBytes: 0,
      s3GetBytes: 0,
      dynamoReadUnits: 1_000_000,
      dynamoWriteUnits: 3_000_000,
      dynamoIndexWriteUnits: 1_000_000,
      writesByPartitionKey: {},
      httpApiRequests: 1_000_000,
      httpApiRoutes: {},
      lambdaInvocations: 1_500_000,
      invocations: { api: { count: 1_000_000, ms: 99_500_000, billedMs: 100_000_000 }, notifications: { count: 500_000, ms: 1, billedMs: 500_000 } },
    };
    const sizes = { api: { memoryMb: 1024, architecture: 'arm64' }, notifications: { memoryMb: 256, architecture: 'arm64' } };
    const b = counter.priceBreakdownUsd(snapshot, sizes);
    expect(b.DynamoDB).toBeCloseTo(3 * 0.625 + 0.125, 6);
    expect(b.SQS).toBeCloseTo(0.4 + 0.5, 6);
    expect(b['SQS empty receives']).toBeCloseTo(2 * 0.4 + 0.5, 6);
    expect(b.S3).toBeCloseTo(2 * 0.005 + 0.0004, 6);
    expect(b.KMS).toBeCloseTo(0.03, 6);
    expect(b.SecretsManager).toBeCloseTo(0.05, 6);
    expect(b.ApiGateway).toBeCloseTo(1, 6);
    // 100,000 s at 1 GB and 500 s at 0.25 GB; 1.5 million requests.
    expect(b.Lambda).toBeCloseTo(0.3 + (100_000 + 125) * US_EAST_1_PRICES.lambdaArmGbSecond, 6);
    expect(counter.priceUsd(snapshot, sizes)).toBeCloseTo(
      Object.values(b).reduce((x, y) => x + y, 0),
      9,
    );
  });

  it('refuses to price a function without its size or on a price table it lacks, instead of assuming one', () => {
    const counter = new RequestCounter();
    counter.recordInvocation('dispatcher', 12);
    const snap = counter.snapshot();
    expect(() => counter.priceUsd(snap, { api: { memoryMb: 1024, architecture: 'arm64' } })).toThrow(/No memory size for function "dispatcher".*api/);
    expect(() => counter.priceUsd(snap, { dispatcher: { memoryMb: 512, architecture: 'x86_64' } })).toThrow(/x86_64.*arm64/);
  });

  it('times invocations per function, billed per started millisecond, and counts one that throws', async () => {
    const counter = new RequestCounter();
    counter.recordInvocation('api', 10.2);
    counter.recordInvocation('api', 0.3);
    await expect(counter.timeInvocation('cron', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(counter.timeInvocation('cron', () => Promise.resolve(7))).resolves.toBe(7);
    const snap = counter.snapshot();
    expect(snap.lambdaInvocations).toBe(4);
    expect(snap.invocations.api).toEqual({ count: 2, ms: 10.5, billedMs: 12 });
    expect(snap.invocations.cron.count).toBe(2);
    expect(snap.invocations.cron.billedMs).toBeGreaterThanOrEqual(2);
  });

  it('records HTTP requests and invocations, and resets everything', async () => {
    const counter = new RequestCounter();
    counter.recordHttpRequest();
    counter.recordHttpRequest('POST', '/api/v2/project/gh/acme/demo/pipeline');
    counter.recordHttpRequest('GET', '/api/v2/workflow/5e9b3c3a-1f0e-4d8b-9a51-2f0c7e8d9a10/job');
    counter.recordHttpRequest('POST', '/runner/v1/task/steps');
    counter.recordHttpRequest('POST', '/runner/v1/task/steps');
    counter.recordInvocation('api', 5);
    counter.record('KMS', 'Decrypt');
    expect(counter.snapshot()).toMatchObject({
      httpApiRequests: 5,
      httpApiRoutes: { 'POST /api/v2/project/:slug/pipeline': 1, 'GET /api/v2/workflow/:id/job': 1, 'POST /runner/v1/task/steps': 2 },
      lambdaInvocations: 1,
      requests: { KMS: { Decrypt: 1 } },
    });
    counter.reset();
    expect(counter.snapshot()).toEqual({
      requests: {},
      sqsStandardChunks: 0,
      sqsEmptyReceives: 0,
      sqsReceivesByQueue: {},
      sqsFifoChunks: 0,
      s3PutBytes: 0,
      s3GetBytes: 0,
      dynamoReadUnits: 0,
      dynamoWriteUnits: 0,
      dynamoIndexWriteUnits: 0,
      writesByPartitionKey: {},
      httpApiRequests: 0,
      httpApiRoutes: {},
      lambdaInvocations: 0,
      invocations: {},
    });
  });
});
