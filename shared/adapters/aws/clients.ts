import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * SDK client construction shared by composition roots. Endpoints come from the SDK's own
 * `AWS_ENDPOINT_URL_*` variables (the local runtime and tests point them at the emulators), so no code path
 * differs between AWS and local mode except these emulator quirks, applied only when an endpoint override
 * is present: S3 path-style addressing and checksums only when required (s3rver), SQS queue URLs not used
 * as endpoints (fauxqs).
 */
export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  sqs: SQSClient;
}

export function createAwsClients(env: NodeJS.ProcessEnv): AwsClients {
  const emulatedS3 = Boolean(env.AWS_ENDPOINT_URL_S3);
  const emulatedSqs = Boolean(env.AWS_ENDPOINT_URL_SQS);
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const s3 = new S3Client({
    forcePathStyle: emulatedS3,
    ...(emulatedS3 ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
  const sqs = new SQSClient({ ...(emulatedSqs ? { useQueueUrlAsEndpoint: false } : {}) });
  return { dynamo, s3, sqs };
}
