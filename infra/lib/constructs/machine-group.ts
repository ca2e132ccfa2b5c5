import { Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import {
  AutoScalingGroup,
  DefaultResult,
  GroupMetrics,
  LifecycleTransition,
  OnDemandAllocationStrategy,
  PoolState,
  SpotAllocationStrategy,
} from 'aws-cdk-lib/aws-autoscaling';
import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceType,
  LaunchTemplate,
  LaunchTemplateHttpTokens,
  MachineImage,
  OperatingSystemType,
  type ISecurityGroup,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { MACHINE_CREDENTIAL_TAG, MACHINE_RESOURCE_CLASSES, resourceClassSlug } from '../../../shared/model/resource-classes';
import { acknowledgeWildcards, nagRef } from '../nag';
import { runnerUserData } from './machine-user-data';
import type { MachineClassProps } from '../props';

export interface MachineGroupProps {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly securityGroup: ISecurityGroup;
  readonly publicUrl: string;
  /** SSM path of the per-instance runner credentials (`<path>/<instance id>`), which the control plane writes. */
  readonly credentialPath: string;
  /** The agent image machines install the runner from. */
  readonly agentImageUri: string;
  /** The stack's ECR repository of that image: machines get pull rights and log in with the ECR credential helper. */
  readonly agentRepository?: IRepository;
}

/** The lifecycle hook that holds a terminating instance until its job is requeued (cron completes it). */
export const REQUEUE_HOOK_NAME = 'slipway-requeue';
/** The lifecycle hook that holds a launching instance until the control plane has issued its runner credential. */
export const REGISTER_HOOK_NAME = 'slipway-register';
/** Machines are replaced at least this often (fresh AMI, no drift); the termination hook requeues their job. */
const MAX_INSTANCE_LIFETIME = Duration.days(7);
const UBUNTU_AMI = (arch: 'amd64' | 'arm64') => `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch}/hvm/ebs-gp3/ami-id`;

/**
 * One machine resource class: a launch template (IMDSv2 only, hop limit 1, encrypted gp3) and an auto scaling
 * group whose instances run one job each. Safe for running jobs: AZ rebalancing is suspended and capacity
 * rebalancing off (neither terminates a busy instance), a termination lifecycle hook gives the control plane time
 * to requeue the job of any instance Auto Scaling terminates (instance refresh, maximum lifetime, health), and
 * warm pool instances start their runner only once InService. Each instance gets its own runner credential from
 * the control plane at launch (a launch lifecycle hook), which only it can read; the control plane, not the
 * instance, terminates it when its job is over (the role holds no Auto Scaling permission).
 */
export function createMachineGroup(scope: Construct, name: string, cls: MachineClassProps, props: MachineGroupProps): AutoScalingGroup {
  const slug = resourceClassSlug(name);
  const { instanceTypes, arm, spot, warmPoolSize } = machineClassOf(name, cls);
  const role = createMachineRole(scope, slug, name, props);
  const launchTemplate = new LaunchTemplate(scope, `Machine-${slug}`, {
    machineImage: MachineImage.fromSsmParameter(cls.amiSsmParameter ?? UBUNTU_AMI(arm ? 'arm64' : 'amd64'), { os: OperatingSystemType.LINUX }),
    instanceType: new InstanceType(instanceTypes[0]),
    role,
    securityGroup: props.securityGroup,
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
    userData: runnerUserData(scope, name, props),
  });
  const group = createGroup(scope, slug, cls, props, { launchTemplate, instanceTypes, spot });
  suspendAzRebalance(scope, slug, group);
  allowSessionManager(scope, role);
  Tags.of(group).add('slipway:machine-class', name, { applyToLaunchedInstances: true });
  acknowledgeWildcards(
    role,
    "Its own credential parameter only: the condition pins the parameter's instance tag to the calling instance's ARN.",
    `Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${props.credentialPath}/*`,
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ECR GetAuthorizationToken and the Session Manager channels (ssmmessages) have no resource.',
  });
  acknowledgeWildcards(
    role,
    'The SSM agent registers its own instance, whose id is not known before launch.',
    'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*',
  );
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

/** A machine class's instance types, architecture, Spot and warm pool settings, checked against EC2 Auto Scaling's limits. */
function machineClassOf(name: string, cls: MachineClassProps): { instanceTypes: readonly string[]; arm: boolean; spot: boolean; warmPoolSize: number } {
  const known = MACHINE_RESOURCE_CLASSES.find((c) => c.name === name);
  const instanceTypes = cls.instanceTypes ?? known?.instanceTypes;
  if (!instanceTypes || instanceTypes.length === 0) {
    throw new Error(`Machine resource class "${name}" needs instanceTypes (it is not one of CircleCI's classes).`);
  }
  const arm = (known?.architecture ?? (name.startsWith('arm.') ? 'arm64' : 'x86_64')) === 'arm64';
  const spot = cls.spot ?? false;
  const warmPoolSize = cls.warmPoolSize ?? 0;
  if (warmPoolSize > 0 && (spot || instanceTypes.length > 1)) {
    throw new Error(
      `Machine class "${name}": a warm pool needs on-demand instances of one type (EC2 Auto Scaling limit); set spot: false and one instance type.`,
    );
  }
  return { instanceTypes, arm, spot, warmPoolSize };
}

/** The instance role: reads its own instance's runner credential, and pulls the agent image from the stack's repository. */
function createMachineRole(scope: Construct, slug: string, name: string, props: MachineGroupProps): Role {
  const role = new Role(scope, `MachineRole-${slug}`, {
    assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
    description: `Slipway machine runner (${name}): reads its own instance's runner credential only`,
  });
  // Per-instance identity: a parameter under the credential path whose instance tag is this very instance. A job
  // on another instance (or a container without IMDS) gets nothing; the credential claims one job, once.
  const stack = Stack.of(scope);
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [`arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${props.credentialPath}/*`],
      conditions: { StringEquals: { [`aws:ResourceTag/${MACHINE_CREDENTIAL_TAG}`]: '${ec2:SourceInstanceARN}' } },
    }),
  );
  props.agentRepository?.grantPull(role);
  return role;
}

/** The auto scaling group (mixed instances when several types or Spot) with its launch and termination lifecycle hooks. */
function createGroup(
  scope: Construct,
  slug: string,
  cls: MachineClassProps,
  props: MachineGroupProps,
  { launchTemplate, instanceTypes, spot }: { launchTemplate: LaunchTemplate; instanceTypes: readonly string[]; spot: boolean },
): AutoScalingGroup {
  const mixed = instanceTypes.length > 1 || spot;
  const group = new AutoScalingGroup(scope, `MachineGroup-${slug}`, {
    vpc: props.vpc,
    vpcSubnets: props.subnets,
    minCapacity: cls.minSize ?? 0,
    maxCapacity: cls.maxSize ?? 4,
    groupMetrics: [GroupMetrics.all()],
    // Capacity rebalancing would terminate busy Spot instances early; the Spot interruption warning requeues instead.
    capacityRebalance: false,
    maxInstanceLifetime: MAX_INSTANCE_LIFETIME,
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
  group.addLifecycleHook('Register', {
    lifecycleHookName: REGISTER_HOOK_NAME,
    lifecycleTransition: LifecycleTransition.INSTANCE_LAUNCHING,
    // cron issues the credential and completes the action within seconds; without it the instance could not
    // claim, so it is abandoned (terminated and replaced) rather than left to idle.
    heartbeatTimeout: Duration.minutes(5),
    defaultResult: DefaultResult.ABANDON,
  });
  group.addLifecycleHook('Requeue', {
    lifecycleHookName: REQUEUE_HOOK_NAME,
    lifecycleTransition: LifecycleTransition.INSTANCE_TERMINATING,
    // cron requeues the job and completes the action within seconds; if it cannot, termination goes on anyway.
    heartbeatTimeout: Duration.minutes(2),
    defaultResult: DefaultResult.CONTINUE,
  });
  return group;
}

/**
 * Rerun with SSH: Session Manager carries users' connections to the agent's SSH server on loopback (no inbound
 * rule). The SSM agent registers the instance and opens its channels; nothing else of Systems Manager.
 */
function allowSessionManager(scope: Construct, role: Role): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ssm:UpdateInstanceInformation'],
      resources: [`arn:${Stack.of(scope).partition}:ec2:${Stack.of(scope).region}:${Stack.of(scope).account}:instance/*`],
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
      resources: ['*'],
    }),
  );
}

/**
 * AZRebalance terminates instances to even out zones, busy or not: suspended for good. CloudFormation has no
 * property for suspended processes, so a custom resource calls SuspendProcesses (again on every update).
 */
function suspendAzRebalance(scope: Construct, slug: string, group: AutoScalingGroup): void {
  const call = {
    service: 'AutoScaling',
    action: 'suspendProcesses',
    parameters: { AutoScalingGroupName: group.autoScalingGroupName, ScalingProcesses: ['AZRebalance'] },
    physicalResourceId: PhysicalResourceId.of(`${slug}-suspend-az-rebalance`),
  };
  const stack = Stack.of(scope);
  const resource = new AwsCustomResource(scope, `SuspendAzRebalance-${slug}`, {
    onCreate: call,
    onUpdate: call,
    installLatestAwsSdk: false,
    policy: AwsCustomResourcePolicy.fromSdkCalls({
      resources: [`arn:${stack.partition}:autoscaling:${stack.region}:${stack.account}:autoScalingGroup:*:autoScalingGroupName/${group.autoScalingGroupName}`],
    }),
  });
  resource.node.addDependency(group);
  acknowledgeWildcards(
    resource,
    'SuspendProcesses on this machine group only, by name (its id is not known before creation).',
    `Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/${nagRef(group)}`,
  );
  const provider = stack.node.tryFindChild(AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '').replace(/^/, 'AWS'));
  if (provider) {
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's custom resource provider writes only its own logs.",
    });
  }
}
