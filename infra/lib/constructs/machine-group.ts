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
  UserData,
  type ISecurityGroup,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { MACHINE_CREDENTIAL_TAG, MACHINE_RESOURCE_CLASSES, machineRunnerClass, resourceClassSlug } from '../../../shared/model/resource-classes';
import { acknowledgeWildcards, nagRef } from '../nag';
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
  suspendAzRebalance(scope, slug, group);
  // Rerun with SSH: Session Manager carries users' connections to the agent's SSH server on loopback (no inbound
  // rule). The SSM agent registers the instance and opens its channels; nothing else of Systems Manager.
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

/**
 * Installs the agent from the agent image (its self-contained install, Node.js included, lives under /opt/slipway)
 * and starts it in runner mode for the class's pool: one job, then the runner terminates its instance
 * and exits; the control plane retires the instance. Pulls from the stack's ECR repository through the ECR
 * credential helper (the instance role may pull). A warm pool instance installs everything while warming, but its
 * runner waits until the instance's target lifecycle state is InService, so it never claims a job on its way into
 * the pool. Holds no secret: the runner reads its instance's own credential (`<credential path>/<instance id>`,
 * the id from IMDSv2) from SSM with the instance role.
 */
function runnerUserData(scope: Construct, resourceClass: string, props: MachineGroupProps): UserData {
  const userData = UserData.forLinux();
  const stack = Stack.of(scope);
  const image = props.agentImageUri;
  const registry = image.split('/')[0];
  const imds = 'http://169.254.169.254/latest';
  userData.addCommands(
    'set -euo pipefail',
    'command -v docker >/dev/null || (apt-get update -q && apt-get install -yq docker.io)',
    ...(props.agentRepository
      ? [
          'apt-get install -yq amazon-ecr-credential-helper',
          'mkdir -p /root/.docker',
          `printf '{"credHelpers":{"%s":"ecr-login"}}' "${registry}" > /root/.docker/config.json`,
        ]
      : []),
    'systemctl enable --now docker',
    // Rerun with SSH reaches the agent through Session Manager: the SSM agent (in Canonical's Ubuntu AMIs already).
    'if ! systemctl is-enabled --quiet snap.amazon-ssm-agent.amazon-ssm-agent.service 2>/dev/null && ! systemctl is-enabled --quiet amazon-ssm-agent 2>/dev/null; then snap install amazon-ssm-agent --classic || echo "No SSM agent: jobs rerun with SSH on this machine cannot be reached." >&2; fi',
    `AWS_REGION=${stack.region} docker pull ${image}`,
    `cid=$(docker create ${image}) && rm -rf /opt/slipway && docker cp "$cid":/opt/slipway /opt/slipway && docker rm "$cid"`,
    'ln -sf /opt/slipway/bin/slipway /usr/local/bin/slipway',
    'id slipway >/dev/null 2>&1 || useradd --create-home --groups docker slipway',
    // Waits for InService (a warm pool instance is Warmed:Stopped while warming; others are InService at once).
    "cat > /usr/local/bin/slipway-wait-in-service <<'WAIT'",
    '#!/bin/sh',
    'while :; do',
    `  t=$(curl -sf -X PUT ${imds}/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60") || t=""`,
    `  s=$(curl -sf -H "X-aws-ec2-metadata-token: $t" ${imds}/meta-data/autoscaling/target-lifecycle-state) || s=InService`,
    '  [ "$s" = InService ] && exit 0',
    '  sleep 5',
    'done',
    'WAIT',
    'chmod 755 /usr/local/bin/slipway-wait-in-service',
    'cat > /etc/systemd/system/slipway-runner.service <<UNIT',
    '[Unit]',
    'Description=Slipway machine runner (one job, then the control plane retires the instance)',
    'After=network-online.target docker.service',
    '[Service]',
    'User=slipway',
    `Environment=SLIPWAY_URL=${props.publicUrl}`,
    `Environment=AWS_REGION=${stack.region}`,
    'ExecStartPre=/usr/local/bin/slipway-wait-in-service',
    'TimeoutStartSec=infinity',
    `ExecStart=/usr/local/bin/slipway runner --resource-class ${machineRunnerClass(resourceClass)} --token-parameter ${props.credentialPath} --once`,
    // A clean exit means the job ran and the control plane retires the instance; a failure (credential not there
    // yet, control plane unreachable) is retried.
    'Restart=on-failure',
    'RestartSec=5',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now --no-block slipway-runner',
  );
  return userData;
}
