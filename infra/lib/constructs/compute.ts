import { Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import { AutoScalingGroup, GroupMetrics, OnDemandAllocationStrategy, PoolState, SpotAllocationStrategy } from 'aws-cdk-lib/aws-autoscaling';
import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceType,
  LaunchTemplate,
  LaunchTemplateHttpTokens,
  MachineImage,
  OperatingSystemType,
  SecurityGroup,
  UserData,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { CfnTaskDefinition, Cluster, ContainerDependencyCondition, ContainerImage, ContainerInsights, CpuArchitecture, FargateTaskDefinition, LogDrivers, OperatingSystemFamily } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DOCKER_RESOURCE_CLASSES, FARGATE_TASK_LAYOUT, MACHINE_RESOURCE_CLASSES, machineRunnerClass, resourceClassSlug } from '../../../shared/model/resource-classes';
import type { FargateClassProps, MachineClassProps } from '../props';

export interface ComputeProps {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly assignPublicIp: boolean;
  readonly runnerTokenSecret: ISecret;
  readonly publicUrl: string;
  readonly agentImage?: ContainerImage;
  readonly agentImageUri?: string;
  readonly fargateClasses?: Readonly<Record<string, FargateClassProps>>;
  readonly machineClasses?: Readonly<Record<string, MachineClassProps>>;
  readonly logRetention: RetentionDays;
}

const DEFAULT_AGENT_IMAGE = 'public.ecr.aws/slipway/agent:latest';
const UBUNTU_AMI = (arch: 'amd64' | 'arm64') => `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch}/hvm/ebs-gp3/ami-id`;

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
  readonly machineGroups: Record<string, AutoScalingGroup> = {};
  /** Family name prefix shared by the base and the derived task definitions (for IAM scoping). */
  readonly familyPrefix: string;

  constructor(scope: Construct, id: string, props: ComputeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.familyPrefix = `${stack.stackName}-job`;

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
    const agentImage = props.agentImage ?? ContainerImage.fromRegistry(DEFAULT_AGENT_IMAGE);
    const classes: Record<string, FargateClassProps> = Object.fromEntries(
      DOCKER_RESOURCE_CLASSES.map((c) => [c.name, { cpu: c.cpu, memoryMiB: c.memoryMiB, architecture: c.architecture }]),
    );
    Object.assign(classes, props.fargateClasses);
    for (const [name, cls] of Object.entries(classes)) {
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
      const logging = LogDrivers.awsLogs({ logGroup, streamPrefix: slug });
      const agent = td.addContainer(FARGATE_TASK_LAYOUT.agentContainer, {
        image: agentImage,
        essential: true,
        // Layout only, no secrets: SLIPWAY_URL and SLIPWAY_TASK_TOKEN arrive as RunTask overrides; job secrets
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
      // No task role: job containers get no AWS credentials at all. The agent moves caches, workspaces, artifacts
      // and logs with presigned URLs scoped to its own job's keys, so one project cannot reach another's objects.
      td.node.tryRemoveChild('TaskRole');
      (td.node.defaultChild as CfnTaskDefinition).addPropertyDeletionOverride('TaskRoleArn');
      Validations.of(td).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason: 'The agent\'s environment holds only fixed folder paths of the shared volume; secrets reach the agent in its job spec.',
      });
      this.taskDefinitions[name] = td;
    }

    const machineClasses = props.machineClasses ?? { medium: {}, 'arm.medium': {} };
    for (const [name, cls] of Object.entries(machineClasses)) {
      this.machineGroups[name] = this.machineGroup(name, cls, props);
    }
  }

  private machineGroup(name: string, cls: MachineClassProps, props: ComputeProps): AutoScalingGroup {
    const slug = resourceClassSlug(name);
    const known = MACHINE_RESOURCE_CLASSES.find((c) => c.name === name);
    const instanceTypes = cls.instanceTypes ?? known?.instanceTypes;
    if (!instanceTypes || instanceTypes.length === 0) {
      throw new Error(`Machine resource class "${name}" needs instanceTypes (it is not one of CircleCI's classes).`);
    }
    const arm = (known?.architecture ?? (name.startsWith('arm.') ? 'arm64' : 'x86_64')) === 'arm64';
    const spot = cls.spot ?? false;
    const warmPoolSize = cls.warmPoolSize ?? 0;
    if (warmPoolSize > 0 && (spot || instanceTypes.length > 1)) {
      throw new Error(`Machine class "${name}": a warm pool needs on-demand instances of one type (EC2 Auto Scaling limit); set spot: false and one instance type.`);
    }
    const role = new Role(this, `MachineRole-${slug}`, {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: `Slipway machine runner (${name}): reads the runner token, terminates its own instance`,
    });
    props.runnerTokenSecret.grantRead(role);
    const launchTemplate = new LaunchTemplate(this, `Machine-${slug}`, {
      machineImage: MachineImage.fromSsmParameter(cls.amiSsmParameter ?? UBUNTU_AMI(arm ? 'arm64' : 'amd64'), { os: OperatingSystemType.LINUX }),
      instanceType: new InstanceType(instanceTypes[0]),
      role,
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      // Hop limit 1: containers started by jobs cannot reach the instance role through IMDS.
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/sda1',
          volume: BlockDeviceVolume.ebs(cls.volumeSizeGiB ?? 100, { volumeType: EbsDeviceVolumeType.GP3, encrypted: true, deleteOnTermination: true }),
        },
      ],
      userData: runnerUserData(name, props, props.agentImageUri ?? DEFAULT_AGENT_IMAGE),
    });
    const mixed = instanceTypes.length > 1 || spot;
    const group = new AutoScalingGroup(this, `MachineGroup-${slug}`, {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      minCapacity: cls.minSize ?? 0,
      maxCapacity: cls.maxSize ?? 4,
      groupMetrics: [GroupMetrics.all()],
      capacityRebalance: spot,
      // Slipway sets the desired capacity itself (AsgMachineCompute, without honouring the cooldown).
      cooldown: Duration.seconds(60),
      ...(mixed
        ? {
            mixedInstancesPolicy: {
              launchTemplate,
              launchTemplateOverrides: instanceTypes.map((t) => ({ instanceType: new InstanceType(t) })),
              instancesDistribution: {
                onDemandAllocationStrategy: OnDemandAllocationStrategy.PRIORITIZED,
                onDemandPercentageAboveBaseCapacity: spot ? 0 : 100,
                spotAllocationStrategy: SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
              },
            },
          }
        : { launchTemplate }),
    });
    // One job per instance: after its job the runner terminates its own instance, lowering the desired capacity.
    // Only in its own group (a condition on the group's name tag: the group's ARN would make the role depend on
    // the group that depends on the role's instance profile).
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['autoscaling:TerminateInstanceInAutoScalingGroup'],
        resources: ['*'],
        conditions: { StringEquals: { 'autoscaling:ResourceTag/slipway:machine-class': name } },
      }),
    );
    Tags.of(group).add('slipway:machine-class', name, { applyToLaunchedInstances: true });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'TerminateInstanceInAutoScalingGroup is limited by condition to the group tagged with this machine class.',
    });
    if (warmPoolSize > 0) group.addWarmPool({ minSize: warmPoolSize, poolState: PoolState.STOPPED, reuseOnScaleIn: false });
    Validations.of(group).acknowledge({
      id: 'AwsSolutions-AS3',
      reason: 'Slipway drives this group itself job by job; scaling activities are on the dashboard, e-mails for each would be noise.',
    });
    Validations.of(group).acknowledge({
      id: 'AwsSolutions-EC26',
      reason: 'The rule cannot read launch templates; the root volume is encrypted there (gp3, encrypted: true).',
    });
    return group;
  }
}

/**
 * Installs the agent from the agent image (its self-contained install, Node.js included, lives under /opt/slipway)
 * and starts it in runner mode for the class's pool: one job, then the runner terminates its instance
 * (`--terminate-instance`, decrementing the group's desired capacity). Holds no secret: the runner reads the
 * machine runner token from Secrets Manager by ARN with the instance role and its instance id from IMDSv2.
 */
function runnerUserData(resourceClass: string, props: ComputeProps, image: string): UserData {
  const userData = UserData.forLinux();
  const stack = Stack.of(props.runnerTokenSecret);
  userData.addCommands(
    'set -euo pipefail',
    'command -v docker >/dev/null || (apt-get update -q && apt-get install -yq docker.io)',
    'systemctl enable --now docker',
    `docker pull ${image}`,
    `cid=$(docker create ${image}) && rm -rf /opt/slipway && docker cp "$cid":/opt/slipway /opt/slipway && docker rm "$cid"`,
    'ln -sf /opt/slipway/bin/slipway /usr/local/bin/slipway',
    'id slipway >/dev/null 2>&1 || useradd --create-home --groups docker slipway',
    'cat > /etc/systemd/system/slipway-runner.service <<UNIT',
    '[Unit]',
    'Description=Slipway machine runner (one job, then the instance terminates)',
    'After=network-online.target docker.service',
    '[Service]',
    'User=slipway',
    `Environment=SLIPWAY_URL=${props.publicUrl}`,
    `Environment=AWS_REGION=${stack.region}`,
    `ExecStart=/usr/local/bin/slipway runner --resource-class ${machineRunnerClass(resourceClass)} --token-secret ${props.runnerTokenSecret.secretArn} --once --terminate-instance`,
    // A clean exit means the job ran and the instance is terminating; a failure (no token yet, control plane
    // unreachable) is retried.
    'Restart=on-failure',
    'RestartSec=5',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now slipway-runner',
  );
  return userData;
}
