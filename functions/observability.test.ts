import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { traced } from './observability';

const XRAY = 'XRaySDKInstrumentation';
const middlewareNames = (client: { middlewareStack: { identify(): string[] } }) => client.middlewareStack.identify().map((n) => n.split(' ')[0]);

describe('traced', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('wraps SDK clients with the X-Ray middleware when tracing is enabled (inside Lambda)', () => {
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    const tracer = new Tracer({ serviceName: 'test' });
    expect(tracer.isTracingEnabled()).toBe(true);
    const s3 = traced(new S3Client({ region: 'eu-west-1' }), tracer);
    const doc = traced(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), tracer);
    expect(middlewareNames(s3)).toContain(XRAY);
    expect(middlewareNames(doc)).toContain(XRAY);
  });

  it('leaves clients untouched outside Lambda or when tracing is switched off', async () => {
    delete process.env.AWS_EXECUTION_ENV;
    const local = new Tracer({ serviceName: 'test' });
    expect(local.isTracingEnabled()).toBe(false);
    const s3 = new S3Client({ region: 'eu-west-1' });
    expect(traced(s3, local)).toBe(s3);
    expect(middlewareNames(s3)).not.toContain(XRAY);
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    expect(middlewareNames(traced(new S3Client({ region: 'eu-west-1' }), new Tracer({ serviceName: 'test' })))).not.toContain(XRAY);
  });
});

describe('logger level', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('comes from POWERTOOLS_LOG_LEVEL, which the stack sets from its configuration', () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    jest.isolateModules(() => {
      const { logger } = require('./observability') as { logger: Logger };
      expect(logger.getLevelName()).toBe('DEBUG');
    });
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
    jest.isolateModules(() => {
      const { logger } = require('./observability') as { logger: Logger };
      expect(logger.getLevelName()).toBe('WARN');
    });
  });
});
