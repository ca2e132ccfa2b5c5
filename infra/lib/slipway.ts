import * as path from 'node:path';
import { CfnOutput, CfnParameter, Duration, Fn, Stack } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, GatewayVpcEndpointAwsService, SubnetType, Vpc, type IVpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Api } from './constructs/api';
import { Compute } from './constructs/compute';
import { Data } from './constructs/data';
import { Functions, REPO_ROOT } from './constructs/functions';
import { Observability } from './constructs/observability';
import { Oidc } from './constructs/oidc';
import { Queues } from './constructs/queues';
import { Web } from './constructs/web';
import { DEFAULT_RETENTION_DAYS, type SlipwayProps } from './props';

export * from './props';

/**
 * Slipway in one construct: the control plane (HTTP API, seven functions, queues, table, bucket), job compute
 * (Fargate task definitions, EC2 auto scaling groups), the web UI on CloudFront, and a dashboard with alarms.
 * Embed it in any stack; {@link SlipwayStack} deploys it on its own.
 */
export class Slipway extends Construct {
  readonly data: Data;
  readonly queues: Queues;
  readonly api: Api;
  readonly web?: Web;
  readonly compute: Compute;
  readonly functions: Functions;
  readonly observability: Observability;
  readonly oidc: Oidc;
  readonly vpc: IVpc;
  /** Base URL of the API and the UI (custom domain, CloudFront, or the internal load balancer's domain). */
  readonly publicUrl: string;
  readonly webhookUrl: string;

  constructor(scope: Construct, id: string, props: SlipwayProps = {}) {
    super(scope, id);
    const access = props.apiAccess ?? 'public';
    const logRetention = toRetentionDays(props.logRetention ?? Duration.days(30));
    const minimal = props.profile === 'minimal';
    // The minimal profile: no NAT gateway (compute in public subnets, no inbound rules), unless set otherwise.
    props = { ...(minimal && { natGateways: 0, computeSubnets: 'public' as const }), ...defined(props) };
    const publicCompute = (props.computeSubnets ?? 'private') === 'public';
    validateProps(props, access, publicCompute);

    this.data = new Data(this, 'Data', {
      secretStore: minimal ? 'ssm' : 'secrets-manager',
      retentionDays: props.retentionDays,
      indexProjection: props.tableIndexProjection,
      githubAppSecretName: props.githubAppSecretName ?? 'slipway/github-app',
      corsOrigins: props.domainName ? [`https://${props.domainName}`] : ['https://*.cloudfront.net'],
    });
    this.queues = new Queues(this, 'Queues');
    this.vpc = this.resolveVpc(props);
    const computeSubnets: SubnetSelection = { subnetType: publicCompute ? SubnetType.PUBLIC : SubnetType.PRIVATE_WITH_EGRESS };

    this.api = new Api(this, 'Api', {
      access,
      logRetention,
      vpc: this.vpc,
      subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      certificateArn: props.certificateArn,
      accessLogsBucket: this.data.logsBucket,
    });
    if (access === 'public') this.web = this.createWeb(props);
    this.publicUrl = props.domainName ? `https://${props.domainName}` : Fn.join('', ['https://', this.web!.distribution.distributionDomainName]);
    this.webhookUrl = Fn.join('', [this.publicUrl, '/webhooks/github']);
    this.oidc = new Oidc(this, 'Oidc', { issuerUrl: this.publicUrl, awsProvider: props.oidcProvider ?? false, exampleRole: props.oidcRoleProject });

    this.compute = new Compute(this, 'Compute', {
      vpc: this.vpc,
      subnets: computeSubnets,
      assignPublicIp: publicCompute,
      publicUrl: this.publicUrl,
      agentImage: props.agentImage,
      agentImageUri: props.agentImageUri,
      agentImageTag: props.agentImageTag,
      dockerHubCacheSecretArn: props.dockerHubCacheSecretArn,
      jobImageRepositories: props.jobImageRepositories,
      fargateClasses: props.fargateClasses,
      // The minimal profile has no machine pools unless asked (docker jobs run on Fargate).
      machineClasses: props.machineClasses ?? (minimal ? {} : undefined),
      logRetention,
    });
    this.functions = this.createFunctions(props, { computeSubnets, publicCompute, logRetention });
    this.api.addRoutes(this.functions.functions.api, this.functions.functions.webhooks);
    this.observability = new Observability(this, 'Observability', {
      functions: this.functions,
      queues: this.queues,
      table: this.data.table,
      machineGroups: this.compute.machineGroups,
      profile: minimal ? 'minimal' : 'standard',
      key: this.data.key,
      alarmTopic: props.alarmTopic,
      alarmEmail: props.alarmEmail,
    });
    this.addOutputs(access);
  }

  private createWeb(props: SlipwayProps): Web {
    return new Web(this, 'Web', {
      apiDomain: this.api.originDomain,
      accessLogsBucket: this.data.logsBucket,
      domainName: props.domainName,
      certificateArn: props.certificateArn,
      assetPath: props.webAssetPath ?? path.join(REPO_ROOT, 'web', 'dist'),
    });
  }

  /** The functions, with the stack parameters they read (audit retention, email identity and sender). */
  private createFunctions(props: SlipwayProps, opts: { computeSubnets: SubnetSelection; publicCompute: boolean; logRetention: RetentionDays }): Functions {
    const stack = Stack.of(this);
    const auditRetention = new CfnParameter(stack, 'AuditRetentionDays', {
      type: 'Number',
      default: 365,
      minValue: 1,
      description: 'Days each audit log object stays locked (S3 Object Lock, compliance mode): nobody can change or delete it before.',
    });
    const emailIdentity = new CfnParameter(stack, 'EmailIdentity', {
      type: 'String',
      default: '',
      description: 'Verified SES identity (domain or address) email notifications are sent from; empty: no email.',
    });
    const emailFrom = new CfnParameter(stack, 'EmailFrom', {
      type: 'String',
      default: '',
      description: 'Sender address of email notifications, at the SES identity (e.g. ci@example.com); empty: no email.',
    });
    return new Functions(this, 'Functions', {
      auditRetentionDays: auditRetention.valueAsString,
      cacheRetentionDays: { ...DEFAULT_RETENTION_DAYS, ...props.retentionDays }.caches,
      emailIdentity: emailIdentity.valueAsString,
      emailFrom: emailFrom.valueAsString,
      data: this.data,
      queues: this.queues,
      compute: this.compute,
      publicUrl: this.publicUrl,
      subnetIds: this.vpc.selectSubnets(opts.computeSubnets).subnetIds,
      assignPublicIp: opts.publicCompute,
      fargateSpot: props.fargateSpot ?? false,
      githubApiUrl: props.githubApiUrl ?? 'https://api.github.com',
      jobLeaseSeconds: props.jobLeaseSeconds ?? 60,
      reserveConcurrency: props.reserveConcurrency ?? true,
      logLevel: props.logLevel ?? 'INFO',
      logRetention: opts.logRetention,
      oidc: this.oidc,
    });
  }

  private addOutputs(access: 'public' | 'private'): void {
    new CfnOutput(this, 'ApiUrl', { value: this.publicUrl, description: 'Base URL of the API (CircleCI CLI --host, Circle-Token header)' });
    new CfnOutput(this, 'WebhookUrl', { value: this.webhookUrl, description: 'GitHub App webhook URL' });
    new CfnOutput(this, 'UiUrl', { value: access === 'public' ? this.publicUrl : 'not deployed (apiAccess private)', description: 'Web UI' });
    if (this.compute.agentRepository) {
      new CfnOutput(this, 'AgentRepositoryUri', {
        value: this.compute.agentRepository.repositoryUri,
        description: 'Push the agent image here (docs/deploy.md)',
      });
    }
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName, description: 'DynamoDB table (slipway admin token create --table)' });
    if (this.observability.dashboard)
      new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName, description: 'CloudWatch dashboard' });
    new CfnOutput(this, 'DnsTarget', {
      value: this.web ? this.web.distribution.distributionDomainName : this.api.originDomain,
      description: 'CNAME/alias target for domainName',
    });
  }

  private resolveVpc(props: SlipwayProps): IVpc {
    if (props.vpc) return props.vpc;
    const existing = props.existingVpc;
    if (existing) {
      return Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: existing.vpcId,
        vpcCidrBlock: existing.vpcCidrBlock,
        availabilityZones: [...existing.availabilityZones],
        privateSubnetIds: [...existing.privateSubnetIds],
        publicSubnetIds: existing.publicSubnetIds ? [...existing.publicSubnetIds] : undefined,
      });
    }
    const natGateways = props.natGateways ?? 1;
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 22 },
        ...(natGateways > 0 ? [{ name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 }] : []),
      ],
    });
    // Gateway endpoints are free and keep S3 (caches, artifacts) and DynamoDB traffic off the NAT gateway.
    vpc.addGatewayEndpoint('S3', { service: GatewayVpcEndpointAwsService.S3 });
    vpc.addGatewayEndpoint('DynamoDB', { service: GatewayVpcEndpointAwsService.DYNAMODB });
    vpc.addFlowLog('FlowLogs', {
      destination: FlowLogDestination.toS3(this.data.logsBucket, 'vpc-flow-logs/'),
      trafficType: FlowLogTrafficType.REJECT,
    });
    return vpc;
  }
}

/** Combinations of properties that cannot deploy, refused before anything is created. */
function validateProps(props: SlipwayProps, access: 'public' | 'private', publicCompute: boolean): void {
  if (access === 'private' && !(props.domainName && props.certificateArn)) {
    throw new Error('apiAccess "private" needs domainName and certificateArn (a regional ACM certificate for it).');
  }
  if (!props.vpc && !props.existingVpc && props.natGateways === 0 && !publicCompute) {
    throw new Error('natGateways 0 leaves private subnets without egress: set computeSubnets "public" too (docs/cost.md).');
  }
  if (access === 'private' && (props.oidcProvider || props.oidcRoleProject)) {
    throw new Error('oidcProvider needs apiAccess "public": AWS STS fetches the issuer\'s keys over the internet (docs/deploy.md).');
  }
}

/** The properties that are set (an `undefined` from context must not override a profile's default). */
function defined<T extends object>(props: T): T {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as T;
}

function toRetentionDays(d: Duration): RetentionDays {
  const days = d.toDays();
  const allowed = Object.values(RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  return (allowed.find((v) => v >= days) ?? RetentionDays.INFINITE) as RetentionDays;
}
