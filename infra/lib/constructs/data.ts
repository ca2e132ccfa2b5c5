import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership, type LifecycleRule } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BUCKET_PREFIXES, DEFAULT_RETENTION_DAYS, type BucketPrefix } from '../props';

export interface DataProps {
  readonly retentionDays?: Partial<Record<BucketPrefix, number>>;
  readonly githubAppSecretName: string;
  /** Origins allowed to download with presigned URLs from a browser (the UI). */
  readonly corsOrigins: string[];
}

/**
 * State: the single DynamoDB table, the bucket for logs/artifacts/caches/workspaces/test results/audit, the
 * access-log bucket, the KMS key for secrets and the secrets themselves.
 */
export class Data extends Construct {
  readonly key: Key;
  readonly table: Table;
  readonly bucket: Bucket;
  readonly logsBucket: Bucket;
  readonly githubAppSecret: Secret;
  readonly signingKeySecret: Secret;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);

    this.key = new Key(this, 'Key', {
      description: 'Slipway: envelope encryption of project secrets, the table, secrets and the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted alarm topic.
    this.key.grantEncryptDecrypt(new ServicePrincipal('cloudwatch.amazonaws.com'));

    // Table (not TableV2): TableV2 cannot render a customer managed key in an environment-agnostic stack.
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: true,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const n of [1, 2]) {
      this.table.addGlobalSecondaryIndex({
        indexName: `gsi${n}`,
        partitionKey: { name: `gsi${n}pk`, type: AttributeType.STRING },
        sortKey: { name: `gsi${n}sk`, type: AttributeType.STRING },
      });
    }

    this.logsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.logsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    const retention = { ...DEFAULT_RETENTION_DAYS, ...props.retentionDays };
    const lifecycleRules: LifecycleRule[] = BUCKET_PREFIXES.map((prefix) => ({
      id: `expire-${prefix}`,
      prefix: `${prefix}/`,
      expiration: Duration.days(retention[prefix]),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
      // Versioning is on only for Object Lock: replaced and expired versions go a day later.
      noncurrentVersionExpiration: Duration.days(1),
    }));
    this.bucket = new Bucket(this, 'Bucket', {
      // SSE-S3 keeps presigned uploads and downloads free of per-request KMS charges.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Object Lock (audit/ objects are written in compliance mode with their own retention) needs versioning.
      objectLockEnabled: true,
      versioned: true,
      lifecycleRules,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 's3-access/',
      cors: [
        {
          allowedMethods: [HttpMethods.GET, HttpMethods.HEAD],
          allowedOrigins: props.corsOrigins,
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag', 'Content-Length', 'Content-Type'],
          maxAge: 3600,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.githubAppSecret = new Secret(this, 'GitHubApp', {
      secretName: props.githubAppSecretName,
      description: 'Slipway GitHub App: {"appId": ..., "privateKey": "-----BEGIN ...", "webhookSecrets": ["..."]}',
      encryptionKey: this.key,
    });
    Validations.of(this.githubAppSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'GitHub App private keys and webhook secrets are rotated in GitHub by an administrator (docs/deploy.md), not by a rotation Lambda.',
    });

    this.signingKeySecret = new Secret(this, 'SigningKey', {
      description: 'Slipway: key that signs job and output tokens (JWT, HS256)',
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.signingKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the signing key invalidates running jobs; rotate by redeploying (docs/deploy.md). Tokens are short-lived.',
    });

  }
}
