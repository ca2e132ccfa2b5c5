import * as fs from 'node:fs';
import { Annotations, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledgeWildcards, nagArn } from '../nag';

export interface WebProps {
  /** Host of the HTTP API (`<id>.execute-api.<region>.amazonaws.com`). */
  readonly apiDomain: string;
  readonly accessLogsBucket: IBucket;
  readonly domainName?: string;
  /** ACM certificate in us-east-1 for `domainName`. */
  readonly certificateArn?: string;
  /** The built UI (`web/dist`); skipped with a synth-time note when the folder does not exist. */
  readonly assetPath: string;
}

/**
 * The web UI and the single public origin: CloudFront serves `web/dist` from a private bucket (origin access
 * control) and forwards `/api/*`, `/runner/*`, `/webhooks/*` and `/.well-known/*` to the HTTP API uncached, so the UI calls the
 * API on its own origin (no CORS) and users, agents and GitHub use one URL.
 */
export class Web extends Construct {
  readonly distribution: Distribution;
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Ui', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'ui-access/',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const apiBehavior: BehaviorOptions = {
      origin: new HttpOrigin(props.apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY, readTimeout: Duration.seconds(30) }),
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // Everything but Host: Circle-Token, Authorization, X-Hub-Signature-256, query strings, bodies.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: true,
    };
    const custom = props.domainName && props.certificateArn;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Slipway UI and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        compress: true,
      },
      additionalBehaviors: {
        '/api/*': apiBehavior,
        '/runner/*': apiBehavior,
        '/webhooks/*': apiBehavior,
        '/healthz': apiBehavior,
        '/.well-known/*': apiBehavior,
      },
      // Client-side routes of the single-page app.
      errorResponses: [
        { httpStatus: 403, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.minutes(5) },
        { httpStatus: 404, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.minutes(5) },
      ],
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.accessLogsBucket,
      logFilePrefix: 'cloudfront/',
      ...(custom
        ? {
            domainNames: [props.domainName!],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn!),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'CI users and GitHub webhooks come from everywhere; no geo restriction.' },
      { id: 'AwsSolutions-CFR2', reason: 'WAF is optional (fixed monthly cost); the API authenticates every request and API Gateway throttles.' },
    );
    if (!custom) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront uses its default certificate, whose minimum protocol cannot be raised; set domainName and certificateArn to enforce TLS 1.2.',
      });
    }

    if (fs.existsSync(props.assetPath)) {
      const deployment = new BucketDeployment(this, 'Deploy', {
        sources: [Source.asset(props.assetPath)],
        destinationBucket: this.bucket,
        distribution: this.distribution,
        distributionPaths: ['/index.html'],
        memoryLimit: 512,
      });
      this.acknowledgeDeployment(deployment);
    } else {
      Annotations.of(this).addInfo(`Web UI not deployed: ${props.assetPath} does not exist. Build web/ and deploy again.`);
    }
  }

  /** The deployment's handler is CDK's singleton function at the stack root; its findings are acknowledged here. */
  private acknowledgeDeployment(deployment: BucketDeployment): void {
    const stack = Stack.of(this);
    const qualifier = (stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    acknowledgeWildcards(
      deployment.handlerRole,
      'CDK BucketDeployment copies the UI from the CDK asset bucket into the UI bucket (sync with delete) and invalidates CloudFront.',
      'Action::s3:GetObject*',
      'Action::s3:GetBucket*',
      'Action::s3:List*',
      'Action::s3:DeleteObject*',
      'Action::s3:Abort*',
      'Resource::*',
      `Resource::${nagArn(this.bucket)}/*`,
      `Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`,
    );
    Validations.of(deployment.handlerRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK BucketDeployment handler: AWS managed policy for its own logs.',
    });
    for (const child of stack.node.children) {
      if (child.node.id.startsWith('Custom::CDKBucketDeployment')) {
        Validations.of(child).acknowledge({ id: 'AwsSolutions-L1', reason: "CDK BucketDeployment's handler runtime is chosen by aws-cdk-lib." });
      }
    }
  }
}
