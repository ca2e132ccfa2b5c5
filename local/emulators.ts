import { mkdirSync } from 'node:fs';
import { Server, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';

export interface Emulators {
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  s3Endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts the in-process AWS API emulators (DESIGN.md §4): dynalite (DynamoDB; LevelDB on disk when a data
 * folder is given), fauxqs (SQS, in memory) and s3rver (S3, files on disk). Ports are chosen by the OS.
 * s3rver needs Node started with `--openssl-legacy-provider` (see TOOLCHAIN.md).
 */
export async function startEmulators(options: { dataDir?: string } = {}): Promise<Emulators> {
  const dynalite = require('dynalite') as (o: object) => import('node:http').Server;
  const dynamoServer = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dataDir ? { path: ensure(join(options.dataDir, 'dynamodb')) } : {}),
  });
  await new Promise<void>((resolve) => dynamoServer.listen(0, '127.0.0.1', resolve));
  const dynamoPort = (dynamoServer.address() as AddressInfo).port;

  const { startFauxqs } = await import('fauxqs');
  const sqs = await loopbackOnly(() => startFauxqs({ port: 0, host: '127.0.0.1', logger: false }));

  const S3rver = require('s3rver');
  const s3Dir = options.dataDir ? ensure(join(options.dataDir, 's3')) : mkdtempSync(join(tmpdir(), 'slipway-s3-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', directory: s3Dir, silent: true });
  const s3Addr = (await s3.run()) as AddressInfo;

  return {
    dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}`,
    sqsEndpoint: `http://127.0.0.1:${sqs.port}`,
    s3Endpoint: `http://127.0.0.1:${s3Addr.port}`,
    async stop() {
      await Promise.allSettled([new Promise<void>((r) => dynamoServer.close(() => r())), sqs.stop(), new Promise<void>((r) => s3.close(() => r()))]);
    },
  };
}

/**
 * Runs `start` with every server it opens bound to the loopback interface: fauxqs 1.9 (the last release for
 * Node 20) listens on 0.0.0.0 whatever host it is given, which would expose the queues to the network.
 */
async function loopbackOnly<T>(start: () => Promise<T>): Promise<T> {
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    const [first] = args;
    if (first && typeof first === 'object' && (first as { host?: string }).host === '0.0.0.0') args[0] = { ...first, host: '127.0.0.1' };
    return (listen as (...a: unknown[]) => Server).apply(this, args);
  } as typeof listen;
  try {
    return await start();
  } finally {
    Server.prototype.listen = listen;
  }
}

function ensure(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * The environment that points the AWS SDK at the emulators (the SDK's own `AWS_ENDPOINT_URL_*` variables, so
 * application code carries no endpoint logic) with the credentials s3rver requires.
 */
export function emulatorEnvironment(emulators: Pick<Emulators, 'dynamodbEndpoint' | 'sqsEndpoint' | 's3Endpoint'>): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: emulators.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: emulators.s3Endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
