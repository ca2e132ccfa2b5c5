import { RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { AutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import { SecurityGroup, type IVpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { CfnPullThroughCacheRule, Repository, TagMutability } from 'aws-cdk-lib/aws-ecr';
import {
  CfnTaskDefinition,
  Cluster,
  ContainerDependencyCondition,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateTaskDefinition,
  LogDrivers,
  type LogDriver,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DOCKER_RESOURCE_CLASSES, FARGATE_TASK_LAYOUT, resourceClassSlug } from '../../../shared/model/resource-classes';
import type { FargateClassProps, MachineClassProps } from '../props';
import { acknowledgeWildcards } from '../nag';
import { createMachineGroup } from './machine-group';
import { SshAccess } from './ssh-access';

export interface ComputeProps {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly assignPublicIp: boolean;
  readonly publicUrl: string;
  /** An agent image in another registry; by default the stack's own ECR repository at `agentImageTag`. */
  readonly agentImage?: ContainerImage;
  readonly agentImageUri?: string;
  /** @default 'latest' */
  readonly agentImageTag?: string;
  /** Docker Hub credentials (`ecr-pullthroughcache/...` secret) for an ECR pull-through cache of Docker Hub. */
  readonly dockerHubCacheSecretArn?: string;
  /** ECR repositories (ARNs) jobs' images come from: the execution role may pull from them. */
  readonly jobImageRepositories?: readonly string[];
  readonly fargateClasses?: Readonly<Record<string, FargateClassProps>>;
  readonly machineClasses?: Readonly<Record<string, MachineClassProps>>;
  readonly logRetention: RetentionDays;
}

/**
 * The agent image: the one `agentImage` names, or the stack's own ECR repository (pushed to as docs/deploy.md
 * says) at `agentImageTag`. ECS pulls it with the execution role, which `fromEcrRepository` grants.
 */
function agentImageOf(scope: Construct, props: ComputeProps): { image: ContainerImage; imageUri: string; repository?: Repository } {
  if (props.agentImage) return { image: props.agentImage, imageUri: props.agentImageUri ?? 'public.ecr.aws/slipway/agent:latest' };
  const repository = new Repository(scope, 'AgentRepository', {
    imageScanOnPush: true,
    imageTagMutability: TagMutability.MUTABLE,
    lifecycleRules: [{ description: 'Keep the 20 newest agent images', maxImageCount: 20 }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const tag = props.agentImageTag ?? 'latest';
  return { image: ContainerImage.fromEcrRepository(repository, tag), imageUri: repository.repositoryUriForTag(tag), repository };
}

/** The agent sidecar and the job's primary container of a base task definition, sharing the task's volume. */
function addJobContainers(td: FargateTaskDefinition, agentImage: ContainerImage, logging: LogDriver): void {
  const agent = td.addContainer(FARGATE_TASK_LAYOUT.agentContainer, {
    image: agentImage,
    essential: true,
    // Layout only, no secrets: SLIPWAY_URL and a one-time SLIPWAY_TASK_CODE arrive as RunTask overrides; job secrets
    // arrive in the job spec over the authenticated runner API.
    environment: {
      [FARGATE_TASK_LAYOUT.shimDirEnv]: FARGATE_TASK_LAYOUT.stepsDir,
      [FARGATE_TASK_LAYOUT.shimPathEnv]: FARGATE_TASK_LAYOUT.shimPath,
      [FARGATE_TASK_LAYOUT.workRootEnv]: FARGATE_TASK_LAYOUT.workRoot,
    },
    logging,
  });
  agent.addMountPoints({ sourceVolume: FARGATE_TASK_LAYOUT.sharedVolume, containerPath: FARGATE_TASK_LAYOUT.sharedMountPath, readOnly: false });
  // The job's primary container. The dispatcher registers a task definition per image set from this one,
  // replacing only the image (ECS cannot override it at RunTask); the agent image stands in here.
  const primary = td.addContainer(FARGATE_TASK_LAYOUT.primaryContainer, {
    image: agentImage,
    essential: false,
    entryPoint: ['/bin/sh', '-c'],
    command: [FARGATE_TASK_LAYOUT.primaryCommand],
    logging,
  });
  primary.addMountPoints({ sourceVolume: FARGATE_TASK_LAYOUT.sharedVolume, containerPath: FARGATE_TASK_LAYOUT.sharedMountPath, readOnly: false });
  // Started once the agent runs (it installs the shim, which the primary waits for): no health check delay.
  primary.addContainerDependencies({ container: agent, condition: ContainerDependencyCondition.START });
}

/**
 * Job capacity. Docker executor: an ECS cluster (FARGATE and FARGATE_SPOT) with one base task definition per
 * resource class (agent sidecar + shared volume; the dispatcher adds the job's containers). Machine executor:
 * one launch template and auto scaling group per class, instances running the agent in runner mode.
 */
export class Compute extends Construct {
  readonly cluster: Cluster;
  readonly securityGroup: SecurityGroup;
  readonly taskDefinitions: Record<string, FargateTaskDefinition> = {};
  readonly executionRole: Role;
  /** The task role of job tasks rerun with SSH only (ECS Exec); other job tasks have none. */
  readonly sshTaskRole: Role;
  readonly machineGroups: Record<string, AutoScalingGroup> = {};
  /** The stack's ECR repository of the agent image (absent when `agentImage` names another registry). */
  readonly agentRepository?: Repository;
  /** Family name prefix shared by the base and the derived task definitions (for IAM scoping). */
  readonly familyPrefix: string;
  /** Rerun with SSH without inbound ports: the machines' Session document and the policy for the people who connect. */
  readonly sshAccess: SshAccess;
  /** Where job images from Docker Hub are pulled through the ECR cache (`<registry>/docker-hub`), when there is one. */
  readonly dockerHubMirror?: string;
  /** SSM path of the machine instances' runner credentials (`/slipway/<stack>/runners`), one parameter per instance. */
  readonly credentialPath: string;
  /** Name prefix of the projects' registry login secrets (`slipway/<stack>/registry/`), which Fargate pulls private images with. */
  readonly registryCredentialPrefix: string;

  constructor(scope: Construct, id: string, props: ComputeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.familyPrefix = `${stack.stackName}-job`;
    this.credentialPath = `/slipway/${stack.stackName}/runners`;
    this.registryCredentialPrefix = `slipway/${stack.stackName}/registry/`;

    this.securityGroup = new SecurityGroup(this, 'JobSecurityGroup', {
      vpc: props.vpc,
      description: 'Slipway jobs: no inbound traffic; outbound to the control plane, registries and the internet',
      allowAllOutbound: true,
    });

    this.cluster = new Cluster(this, 'Cluster', {
      vpc: props.vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: ContainerInsights.ENABLED,
    });

    const logGroup = new LogGroup(this, 'TaskLogs', { retention: props.logRetention });
    this.executionRole = new Role(this, 'ExecutionRole', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });
    this.sshTaskRole = this.createSshTaskRole();
    // Private registries' logins (images' `auth`) that the dispatcher stores: read by ECS when it pulls, nothing else.
    const registrySecrets = `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${this.registryCredentialPrefix}*`;
    this.executionRole.addToPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [registrySecrets] }));
    acknowledgeWildcards(
      this.executionRole,
      "Registry login secrets of this stack's projects (docker images' auth), read when ECS pulls their images.",
      `Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${this.registryCredentialPrefix}*`,
    );
    Validations.of(this.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource; image pulls are granted on the agent repository only.',
    });
    if (props.dockerHubCacheSecretArn) this.dockerHubMirror = this.dockerHubCache(props.dockerHubCacheSecretArn);
    // Jobs' private ECR images (`aws_auth` in the config) are pulled by ECS with this role, as Fargate does for
    // any ECR image; the repositories are the operator's list.
    if (props.jobImageRepositories?.length) {
      this.executionRole.addToPolicy(
        new PolicyStatement({
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          resources: [...props.jobImageRepositories],
        }),
      );
      this.executionRole.addToPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
      const wildcards = props.jobImageRepositories.filter((arn) => arn.includes('*')).map((arn) => `Resource::${arn}`);
      acknowledgeWildcards(this.executionRole, "Jobs' image repositories as the operator lists them (jobImageRepositories); pull actions only.", ...wildcards);
    }
    const agent = agentImageOf(this, props);
    this.agentRepository = agent.repository;
    const classes: Record<string, FargateClassProps> = Object.fromEntries(
      DOCKER_RESOURCE_CLASSES.map((c) => [c.name, { cpu: c.cpu, memoryMiB: c.memoryMiB, architecture: c.architecture }]),
    );
    Object.assign(classes, props.fargateClasses);
    for (const [name, cls] of Object.entries(classes)) {
      this.taskDefinitions[name] = this.createTaskDefinition(name, cls, agent.image, logGroup);
    }

    this.sshAccess = new SshAccess(this, 'SshAccess', { cluster: this.cluster });

    const machineClasses = props.machineClasses ?? { medium: {}, 'arm.medium': {} };
    for (const [name, cls] of Object.entries(machineClasses)) {
      this.machineGroups[name] = createMachineGroup(this, name, cls, {
        ...props,
        securityGroup: this.securityGroup,
        agentImageUri: agent.imageUri,
        agentRepository: agent.repository,
        credentialPath: this.credentialPath,
      });
    }
  }

  /**
   * Rerun with SSH on Fargate is ECS Exec, which needs a task role for the Session Manager channels. Only those
   * tasks get this role (a RunTask override); every other job task runs without AWS credentials.
   */
  private createSshTaskRole(): Role {
    const role = new Role(this, 'SshTaskRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Slipway SSH reruns: ECS Exec channels only (no other AWS access)',
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
        resources: ['*'],
      }),
    );
    acknowledgeWildcards(role, 'ECS Exec (rerun with SSH): Session Manager channels have no resource-level permissions.', 'Resource::*');
    return role;
  }

  /** The base task definition of one docker resource class: the agent sidecar and the job's primary container. */
  private createTaskDefinition(name: string, cls: FargateClassProps, agentImage: ContainerImage, logGroup: LogGroup): FargateTaskDefinition {
    const slug = resourceClassSlug(name);
    const td = new FargateTaskDefinition(this, `Task-${slug}`, {
      family: `${this.familyPrefix}-${slug}`,
      cpu: cls.cpu,
      memoryLimitMiB: cls.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: cls.architecture === 'arm64' ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
      executionRole: this.executionRole,
      ephemeralStorageGiB: 50,
      volumes: [{ name: FARGATE_TASK_LAYOUT.sharedVolume }],
    });
    addJobContainers(td, agentImage, LogDrivers.awsLogs({ logGroup, streamPrefix: slug }));
    // No task role: job containers get no AWS credentials at all. The agent moves caches, workspaces, artifacts
    // and logs with presigned URLs scoped to its own job's keys, so one project cannot reach another's objects.
    td.node.tryRemoveChild('TaskRole');
    (td.node.defaultChild as CfnTaskDefinition).addPropertyDeletionOverride('TaskRoleArn');
    Validations.of(td).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: "The agent's environment holds only fixed folder paths of the shared volume; secrets reach the agent in its job spec.",
    });
    return td;
  }

  /**
   * The pull-through cache rule of Docker Hub (`docker-hub/` repositories, created on first pull) and what the
   * task execution role needs to pull through it: read those repositories, and import images into them.
   */
  private dockerHubCache(credentialArn: string): string {
    const stack = Stack.of(this);
    const prefix = 'docker-hub';
    if (!/^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:ecr-pullthroughcache\//.test(credentialArn) && !Token.isUnresolved(credentialArn)) {
      throw new Error(
        `dockerHubCacheSecretArn must be the ARN of a Secrets Manager secret whose name starts with "ecr-pullthroughcache/" (ECR requires it), not "${credentialArn}".`,
      );
    }
    new CfnPullThroughCacheRule(this, 'DockerHubCache', {
      ecrRepositoryPrefix: prefix,
      upstreamRegistry: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      credentialArn,
    });
    const repositories = `arn:${stack.partition}:ecr:${stack.region}:${stack.account}:repository/${prefix}/*`;
    this.executionRole.addToPolicy(
      new PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        resources: [repositories],
      }),
    );
    this.executionRole.addToPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    acknowledgeWildcards(
      this.executionRole,
      'Docker Hub images cached under the docker-hub/ prefix (repositories are created on first pull).',
      `Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/${prefix}/*`,
    );
    return `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}/${prefix}`;
  }
}
