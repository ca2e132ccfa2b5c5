import type { Duration } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { OidcRoleProject } from './constructs/oidc';

/** The S3 prefixes of the Slipway bucket; each has its own lifecycle rule. */
export const BUCKET_PREFIXES = ['logs', 'artifacts', 'caches', 'workspaces', 'test-results', 'audit'] as const;
export type BucketPrefix = (typeof BUCKET_PREFIXES)[number];

/** Days objects under each prefix are kept (CircleCI Server's defaults where it has one). */
export const DEFAULT_RETENTION_DAYS: Readonly<Record<BucketPrefix, number>> = {
  logs: 30,
  artifacts: 30,
  caches: 15,
  workspaces: 15,
  'test-results': 30,
  audit: 400,
};

/** A Fargate (docker executor) resource class override. */
export interface FargateClassProps {
  /** CPU units (1024 = 1 vCPU), a valid Fargate value. */
  readonly cpu: number;
  /** Memory in MiB, valid for `cpu` on Fargate. */
  readonly memoryMiB: number;
  /** @default 'x86_64' */
  readonly architecture?: 'x86_64' | 'arm64';
}

/** A machine executor resource class: one launch template and auto scaling group. */
export interface MachineClassProps {
  /** Instance types, preferred first (several widen the Spot pools). @default from `MACHINE_RESOURCE_CLASSES` */
  readonly instanceTypes?: readonly string[];
  /**
   * SSM parameter holding the AMI id (resolved by CloudFormation at deploy time, no lookup at synth).
   * @default Canonical's Ubuntu 24.04 LTS parameter for the class's architecture
   */
  readonly amiSsmParameter?: string;
  /** Use Spot instances (capacity-rebalancing, price-capacity-optimized). @default false */
  readonly spot?: boolean;
  /** @default 0 */
  readonly minSize?: number;
  /** @default 4 */
  readonly maxSize?: number;
  /**
   * Stopped, pre-initialised instances kept in a warm pool (on-demand and a single instance type only: EC2
   * Auto Scaling does not support warm pools with Spot or mixed instance types). @default 0 (no warm pool)
   */
  readonly warmPoolSize?: number;
  /** Root volume size in GiB (gp3, encrypted). @default 100 */
  readonly volumeSizeGiB?: number;
}

/** Existing VPC, imported by attributes (no lookup, so synth stays offline and environment-agnostic). */
export interface ExistingVpcProps {
  readonly vpcId: string;
  readonly vpcCidrBlock: string;
  readonly availabilityZones: readonly string[];
  /** Subnets for Fargate tasks and EC2 instances (one per AZ). */
  readonly privateSubnetIds: readonly string[];
  /** Public subnets (one per AZ), needed for `computeSubnets: 'public'`. @default none */
  readonly publicSubnetIds?: readonly string[];
}

/** Properties of the {@link Slipway} construct. Every property has a working default. */
export interface SlipwayProps {
  /**
   * `standard`: dashboard, every alarm, secrets in Secrets Manager, one NAT gateway. `minimal` (idle cost ≤ $5 a
   * month, see `npm run bench -- --only idle-cost`): no NAT gateway (compute in public subnets), no dashboard, at
   * most 10 alarm metrics, secrets as SSM SecureString parameters. Explicit properties override the profile's.
   * @default 'standard'
   */
  readonly profile?: 'standard' | 'minimal';
  /**
   * The VPC for job compute (Fargate tasks, EC2 instances; the control plane is serverless and needs none).
   * @default a new VPC over 2 AZs with public and private subnets and `natGateways` NAT gateways
   */
  readonly vpc?: IVpc;
  /** Import an existing VPC by attributes instead of `vpc`. @default none */
  readonly existingVpc?: ExistingVpcProps;
  /**
   * NAT gateways of a new VPC. `0` avoids their idle cost: set `computeSubnets: 'public'` then.
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Where job compute runs: `private` subnets (egress through NAT) or `public` subnets with a public IP and
   * no inbound rules (no NAT cost). @default 'private'
   */
  readonly computeSubnets?: 'private' | 'public';
  /**
   * `public`: HTTP API behind CloudFront with the web UI on the same origin (GitHub.com webhooks need this).
   * `private`: an internal Application Load Balancer in the VPC, for GitHub Enterprise Server and users on
   * the corporate network; requires `domainName` and `certificateArn`; the web UI is not deployed.
   * @default 'public'
   */
  readonly apiAccess?: 'public' | 'private';
  /** Custom domain, e.g. `ci.example.com` (create its DNS record to the `DnsTarget` output). @default none */
  readonly domainName?: string;
  /**
   * ACM certificate for `domainName`: in us-east-1 for `public` (CloudFront), in the stack's region for
   * `private`. @default none
   */
  readonly certificateArn?: string;
  /** Secrets Manager secret name for the GitHub App (`{appId, privateKey, webhookSecrets[]}`). @default 'slipway/github-app' */
  readonly githubAppSecretName?: string;
  /** GitHub API base URL (GitHub Enterprise Server: `https://ghe.example.com/api/v3`). @default 'https://api.github.com' */
  readonly githubApiUrl?: string;
  /** Days to keep objects per S3 prefix. @default DEFAULT_RETENTION_DAYS */
  readonly retentionDays?: Partial<Record<BucketPrefix, number>>;
  /** Override or add docker resource classes. @default DOCKER_RESOURCE_CLASSES */
  readonly fargateClasses?: Readonly<Record<string, FargateClassProps>>;
  /** Use Fargate Spot for docker jobs (cheaper, may be interrupted; the job is retried once). @default false */
  readonly fargateSpot?: boolean;
  /**
   * Agent image for Fargate tasks (and the source of the agent installed on EC2 machines), when it lives in
   * another registry. An ECR asset cannot be built offline at synth.
   * @default the stack's own ECR repository (output `AgentRepositoryUri`) at `agentImageTag`
   */
  readonly agentImage?: ContainerImage;
  /** The same image as a reference EC2 machines can `docker pull`. @default the stack's repository at `agentImageTag` */
  readonly agentImageUri?: string;
  /** Tag of the agent image in the stack's own ECR repository (when `agentImage` is not given). @default 'latest' */
  readonly agentImageTag?: string;
  /**
   * An ECR pull-through cache for Docker Hub: Fargate job tasks pull `cimg/base`, `node:20`, ... through ECR
   * (`<account>.dkr.ecr.<region>.amazonaws.com/docker-hub/...`) instead of anonymously from Docker Hub, whose
   * rate limits stop busy installations. Give the ARN of a Secrets Manager secret named `ecr-pullthroughcache/...`
   * holding `{"username": ..., "accessToken": ...}` of a Docker Hub account (ECR requires one). @default none
   */
  readonly dockerHubCacheSecretArn?: string;

  /**
   * Amazon ECR repositories (ARNs, `*` allowed: `arn:aws:ecr:eu-west-1:123456789012:repository/team/*`) that docker
   * jobs' images come from. Fargate pulls a job's images with the task execution role (an image's `aws_auth` is
   * not used on AWS): the role may pull from these. A repository in another account must also allow the role in
   * its repository policy. @default none (public images, and the agent image)
   */
  readonly jobImageRepositories?: readonly string[];
  /** Machine executor classes by CircleCI name. @default { medium: {}, 'arm.medium': {} } */
  readonly machineClasses?: Readonly<Record<string, MachineClassProps>>;
  /** E-mail address subscribed to the alarm topic. @default none */
  readonly alarmEmail?: string;
  /** Existing SNS topic for alarms (instead of a new one). @default a new encrypted topic */
  readonly alarmTopic?: ITopic;
  /** Seconds an agent may stay silent before its job is failed. @default 60 */
  readonly jobLeaseSeconds?: number;
  /**
   * Reserve concurrency for the functions that need it (cron: 1). Accounts with the minimum concurrency quota
   * (10) cannot reserve any: set `false` there. @default true
   */
  readonly reserveConcurrency?: boolean;
  /** Path of the built web UI; skipped with a synth-time note when missing. @default '<repo>/web/dist' */
  readonly webAssetPath?: string;
  /** Create an IAM OIDC provider for Slipway's issuer (jobs assume roles with their OIDC token). @default false */
  readonly oidcProvider?: boolean;
  /**
   * Create an example role (ECR read-only) that jobs of this one project may assume with their OIDC token;
   * its trust policy pins `aud` (the organization id) and `sub` (the project). Implies `oidcProvider`.
   * @default none
   */
  readonly oidcRoleProject?: OidcRoleProject;
  /** Log level of the functions (Powertools). @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** CloudWatch Logs retention of function, task and access logs. @default Duration.days(30) */
  readonly logRetention?: Duration;
  /**
   * What the table's two indexes project: `keys-only` (each write that leaves an item's index keys alone costs
   * no index write), or `all`, what deployments created before keys-only have and CloudFormation cannot change
   * in place (docs/deploy.md, Upgrade). @default 'keys-only'
   */
  readonly tableIndexProjection?: TableIndexProjection;
}

/** The projection of the table's indexes (see `SlipwayProps.tableIndexProjection`). */
export type TableIndexProjection = 'keys-only' | 'all';
