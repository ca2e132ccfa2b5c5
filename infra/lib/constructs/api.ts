import { Duration, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Peer, Port, SecurityGroup, type IVpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import {
  ApplicationLoadBalancer,
  ApplicationProtocol,
  ListenerAction,
  ListenerCertificate,
  ListenerCondition,
  SslPolicy,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LambdaTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ApiProps {
  readonly access: 'public' | 'private';
  readonly logRetention: RetentionDays;
  /** Private access: the VPC, subnets, allowed client range and the regional certificate. */
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly allowedCidr?: string;
  readonly certificateArn?: string;
  readonly accessLogsBucket: IBucket;
}

/**
 * The HTTP entry point. `public`: an API Gateway HTTP API (fronted by CloudFront in {@link Web}); routes
 * `ANY /api/{proxy+}`, `ANY /runner/{proxy+}`, `GET /healthz` and `GET /.well-known/{proxy+}` (OIDC discovery)
 * go to the api function, `POST
 * /webhooks/{proxy+}` to the webhooks function. `private`: an internal Application Load Balancer with the same
 * paths (Lambda receives ALB events; the functions' HTTP adapter accepts both shapes).
 */
export class Api extends Construct {
  readonly httpApi?: HttpApi;
  readonly loadBalancer?: ApplicationLoadBalancer;
  /** Domain name of the origin (execute-api host for public, ALB DNS name for private). */
  readonly originDomain: string;
  private readonly props: ApiProps;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.props = props;
    if (props.access === 'public') {
      this.httpApi = new HttpApi(this, 'HttpApi', { description: 'Slipway API, runner API and webhooks', createDefaultStage: false });
      const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
      new HttpStage(this, 'DefaultStage', {
        httpApi: this.httpApi,
        stageName: '$default',
        autoDeploy: true,
        accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
        // Bounds the bill and protects the table from a runaway client; far above what CI traffic needs.
        throttle: { rateLimit: 500, burstLimit: 1000 },
      });
      this.originDomain = `${this.httpApi.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    } else {
      if (!props.certificateArn) throw new Error('apiAccess "private" needs certificateArn (a regional ACM certificate for domainName).');
      const sg = new SecurityGroup(this, 'LoadBalancerSecurityGroup', {
        vpc: props.vpc,
        description: 'Slipway internal API: HTTPS from the corporate network',
        allowAllOutbound: false,
      });
      sg.addIngressRule(Peer.ipv4(props.allowedCidr ?? props.vpc.vpcCidrBlock), Port.tcp(443), 'HTTPS from the allowed range');
      Validations.of(sg).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'Ingress is 443 from the VPC CIDR (a reference nag cannot evaluate) or the configured corporate range, never 0.0.0.0/0.',
      });
      this.loadBalancer = new ApplicationLoadBalancer(this, 'LoadBalancer', {
        vpc: props.vpc,
        vpcSubnets: props.subnets,
        internetFacing: false,
        securityGroup: sg,
        dropInvalidHeaderFields: true,
      });
      if (Token.isUnresolved(Stack.of(this).region)) {
        Validations.of(this.loadBalancer).acknowledge({
          id: 'AwsSolutions-ELB2',
          reason:
            "Access logs need the region's ELB log-delivery account, unknown in an environment-agnostic stack; deploy with an explicit env to enable them. API Gateway is not in the path; the functions log every request.",
        });
      } else {
        this.loadBalancer.logAccessLogs(props.accessLogsBucket, 'alb');
      }
      this.originDomain = this.loadBalancer.loadBalancerDnsName;
    }
  }

  /** Wires the routes to the functions (after the functions know the public URL). */
  addRoutes(api: IFunction, webhooks: IFunction): void {
    if (this.httpApi) {
      const apiIntegration = new HttpLambdaIntegration('Api', api);
      const routes = [
        ...this.httpApi.addRoutes({ path: '/api/{proxy+}', methods: [HttpMethod.ANY], integration: apiIntegration }),
        ...this.httpApi.addRoutes({ path: '/runner/{proxy+}', methods: [HttpMethod.ANY], integration: apiIntegration }),
        ...this.httpApi.addRoutes({ path: '/healthz', methods: [HttpMethod.GET], integration: apiIntegration }),
        ...this.httpApi.addRoutes({ path: '/.well-known/{proxy+}', methods: [HttpMethod.GET], integration: apiIntegration }),
        ...this.httpApi.addRoutes({ path: '/webhooks/{proxy+}', methods: [HttpMethod.POST], integration: new HttpLambdaIntegration('Webhooks', webhooks) }),
      ];
      for (const route of routes) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: 'Authorization is done by the handlers: Circle-Token (API), job/runner JWT (runner API), HMAC signature (webhooks); /healthz is public.',
        });
      }
      return;
    }
    const lb = this.loadBalancer!;
    const listener = lb.addListener('Https', {
      port: 443,
      protocol: ApplicationProtocol.HTTPS,
      sslPolicy: SslPolicy.RECOMMENDED_TLS,
      certificates: [ListenerCertificate.fromArn(this.props.certificateArn!)],
      defaultAction: ListenerAction.fixedResponse(404, { contentType: 'application/json', messageBody: '{"message":"Not found."}' }),
    });
    listener.addTargets('Webhooks', {
      priority: 10,
      conditions: [ListenerCondition.pathPatterns(['/webhooks/*']), ListenerCondition.httpRequestMethods(['POST'])],
      targets: [new LambdaTarget(webhooks)],
    });
    listener.addTargets('Api', {
      priority: 20,
      conditions: [ListenerCondition.pathPatterns(['/api/*', '/runner/*', '/healthz', '/.well-known/*'])],
      targets: [new LambdaTarget(api)],
      healthCheck: { enabled: true, path: '/healthz', interval: Duration.minutes(5) },
    });
  }

  /** The stage URL without trailing slash (public only). */
  get executeApiUrl(): string | undefined {
    return this.httpApi ? Fn.join('', ['https://', this.originDomain]) : undefined;
  }
}
