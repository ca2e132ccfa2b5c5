import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership, type LifecycleRule } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { INDEX_PROJECTION, TABLE_INDEXES, indexKeys } from '../../../shared/model/table-schema';
import { BUCKET_PREFIXES, DEFAULT_RETENTION_DAYS, type BucketPrefix, type TableIndexProjection } from '../props';

/**
 * A secret the functions read by ARN: a Secrets Manager secret, or an SSM SecureString parameter (encrypted with
 * the account's free `aws/ssm` key) that the first reader generates when `generated` (see `secret-values.ts`).
 */
export interface SecretRef {
  readonly arn: string;
  /** The statements that let a function read it (and create it once, for a generated parameter). */
  readStatements(): PolicyStatement[];
  /** Services the data key is used through when reading it (for the key's `kms:ViaService` condition). */
  readonly viaService?: string;
  /** Lets a principal outside the table (e.g. machine instances) read it. */
  grantRead(grantee: IGrantable): void;
}

/** Where the stack keeps its secrets: Secrets Manager ($0.40 each a month) or SSM SecureString parameters (free). */
export type SecretStore = 'secrets-manager' | 'ssm';

export interface DataProps {
  readonly retentionDays?: Partial<Record<BucketPrefix, number>>;
  /** @default 'secrets-manager' */
  readonly secretStore?: SecretStore;
  /** What the table's indexes project. @default 'keys-only' */
  readonly indexProjection?: TableIndexProjection;
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
  readonly githubAppSecret: SecretRef;
  readonly signingKeySecret: SecretRef;
  readonly secretStore: SecretStore;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);

    this.key = new Key(this, 'Key', {
      description: 'Slipway: envelope encryption of project secrets, the table, secrets and the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted alarm topic.
    this.key.grantEncryptDecrypt(new ServicePrincipal('cloudwatch.amazonaws.com'));
    this.table = this.createTable(props.indexProjection ?? 'keys-only');
    this.logsBucket = this.createLogsBucket();
    this.bucket = this.createBucket(props);

    this.secretStore = props.secretStore ?? 'secrets-manager';
    if (this.secretStore === 'ssm') {
      const name = props.githubAppSecretName.replace(/^\/?/, '/');
      this.githubAppSecret = parameterRef(this, name === '/slipway/github-app' ? `/slipway/${Stack.of(this).stackName}/github-app` : name, false);
      this.signingKeySecret = parameterRef(this, `/slipway/${Stack.of(this).stackName}/signing-key`, true);
    } else {
      this.githubAppSecret = this.createGitHubAppSecret(props.githubAppSecretName);
      this.signingKeySecret = this.createSigningKeySecret();
    }
  }

  /** Table (not TableV2): TableV2 cannot render a customer managed key in an environment-agnostic stack. */
  private createTable(projection: TableIndexProjection): Table {
    const table = new Table(this, 'Table', {
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
    // Keys only: an update that leaves an item's index keys alone then costs no index write. The store reads
    // the full items by key whatever the projection, so `all` (older deployments) works the same.
    for (const n of TABLE_INDEXES) {
      table.addGlobalSecondaryIndex({
        indexName: n,
        partitionKey: { name: indexKeys(n).partition, type: AttributeType.STRING },
        sortKey: { name: indexKeys(n).sort, type: AttributeType.STRING },
        projectionType: projection === 'all' ? ProjectionType.ALL : ProjectionType[INDEX_PROJECTION],
      });
    }
    return table;
  }

  private createLogsBucket(): Bucket {
    const bucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });
    return bucket;
  }

  private createBucket(props: DataProps): Bucket {
    const retention = { ...DEFAULT_RETENTION_DAYS, ...props.retentionDays };
    const lifecycleRules: LifecycleRule[] = BUCKET_PREFIXES.map((prefix) => ({
      id: `expire-${prefix}`,
      prefix: `${prefix}/`,
      expiration: Duration.days(retention[prefix]),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
      // Versioning is on only for Object Lock: replaced and expired versions go a day later.
      noncurrentVersionExpiration: Duration.days(1),
    }));
    return new Bucket(this, 'Bucket', {
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
  }

  private createGitHubAppSecret(secretName: string): SecretRef {
    const githubApp = new Secret(this, 'GitHubApp', {
      secretName,
      description: 'Slipway GitHub App: {"appId": ..., "privateKey": "-----BEGIN ...", "webhookSecrets": ["..."]}',
      encryptionKey: this.key,
    });
    Validations.of(githubApp).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'GitHub App private keys and webhook secrets are rotated in GitHub by an administrator (docs/deploy.md), not by a rotation Lambda.',
    });
    return secretRef(githubApp);
  }

  private createSigningKeySecret(): SecretRef {
    const signingKey = new Secret(this, 'SigningKey', {
      description: 'Slipway: key that signs job and output tokens (JWT, HS256)',
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(signingKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the signing key invalidates running jobs; rotate by redeploying (docs/deploy.md). Tokens are short-lived.',
    });
    return secretRef(signingKey);
  }
}

/** A Secrets Manager secret as a {@link SecretRef}. */
export function secretRef(secret: Secret): SecretRef {
  return {
    arn: secret.secretArn,
    viaService: 'secretsmanager',
    readStatements: () => [new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] })],
    grantRead: (grantee) => void secret.grantRead(grantee),
  };
}

/** An SSM SecureString parameter by name; `generated`: the first reader may create it (PutParameter, never overwriting). */
function parameterRef(scope: Construct, name: string, generated: boolean): SecretRef {
  const stack = Stack.of(scope);
  const arn = `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${name}`;
  const read = () => new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [arn] });
  return {
    arn,
    readStatements: () => [read(), ...(generated ? [new PolicyStatement({ actions: ['ssm:PutParameter'], resources: [arn] })] : [])],
    grantRead: (grantee) => void grantee.grantPrincipal.addToPrincipalPolicy(read()),
  };
}
