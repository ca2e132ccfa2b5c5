import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct, Node } from 'constructs';
import { Slipway, type MachineClassProps, type SlipwayProps } from './slipway';

/**
 * Reads {@link SlipwayProps} from CDK context (`cdk deploy -c key=value` or `cdk.json`). Lists are
 * comma-separated; maps are JSON. Unknown keys are ignored; every key is optional.
 */
export function propsFromContext(node: Node): SlipwayProps {
  const str = (key: string): string | undefined => {
    const v = node.tryGetContext(key);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const list = (key: string) =>
    str(key)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const num = (key: string) => (str(key) === undefined ? undefined : Number(str(key)));
  const bool = (key: string) => (str(key) === undefined ? undefined : str(key) === 'true');
  const json = <T>(key: string): T | undefined => {
    const v = node.tryGetContext(key);
    if (v === undefined || v === '') return undefined;
    return (typeof v === 'string' ? JSON.parse(v) : v) as T;
  };

  const vpcId = str('vpcId');
  const agentImage = str('agentImage');
  const roleProject = str('oidcRoleProject');
  const [organizationId, projectId] = roleProject?.split('/') ?? [];
  if (roleProject && !(organizationId && projectId)) throw new Error(`oidcRoleProject must be <organization id>/<project id>, not "${roleProject}".`);
  const profile = str('profile');
  if (profile !== undefined && profile !== 'standard' && profile !== 'minimal') throw new Error(`profile must be "standard" or "minimal", not "${profile}".`);
  const projection = str('tableIndexProjection');
  if (projection !== undefined && projection !== 'keys-only' && projection !== 'all')
    throw new Error(`tableIndexProjection must be "keys-only" or "all" (a deployment created before keys-only indexes keeps "all"), not "${projection}".`);
  return {
    profile,
    existingVpc: vpcId
      ? {
          vpcId,
          vpcCidrBlock: str('vpcCidrBlock') ?? '10.0.0.0/16',
          availabilityZones: list('vpcAvailabilityZones') ?? [],
          privateSubnetIds: list('vpcPrivateSubnetIds') ?? [],
          publicSubnetIds: list('vpcPublicSubnetIds'),
        }
      : undefined,
    natGateways: num('natGateways'),
    computeSubnets: str('computeSubnets') as SlipwayProps['computeSubnets'],
    apiAccess: str('apiAccess') as SlipwayProps['apiAccess'],
    domainName: str('domainName'),
    certificateArn: str('certificateArn'),
    githubAppSecretName: str('githubAppSecretName'),
    githubApiUrl: str('githubApiUrl'),
    retentionDays: json('retentionDays'),
    fargateClasses: json('fargateClasses'),
    fargateSpot: bool('fargateSpot'),
    agentImage: agentImage ? ContainerImage.fromRegistry(agentImage) : undefined,
    agentImageUri: agentImage,
    agentImageTag: str('agentImageTag'),
    dockerHubCacheSecretArn: str('dockerHubCacheSecretArn'),
    jobImageRepositories: list('jobImageRepositories'),
    machineClasses: json<Record<string, MachineClassProps>>('machineClasses'),
    alarmEmail: str('alarmEmail'),
    jobLeaseSeconds: num('jobLeaseSeconds'),
    reserveConcurrency: bool('reserveConcurrency'),
    webAssetPath: str('webAssetPath'),
    oidcProvider: bool('oidcProvider'),
    oidcRoleProject: roleProject ? { organizationId, projectId } : undefined,
    logLevel: str('logLevel') as SlipwayProps['logLevel'],
    tableIndexProjection: projection,
    logRetention: num('logRetentionDays') === undefined ? undefined : Duration.days(num('logRetentionDays')!),
  };
}

export interface SlipwayStackProps extends StackProps {
  /** Overrides of the context-derived properties. @default read from context */
  readonly slipway?: SlipwayProps;
}

/** Slipway deployed on its own, environment-agnostic (account and region come from the CLI's credentials). */
export class SlipwayStack extends Stack {
  readonly slipway: Slipway;

  constructor(scope: Construct, id: string, props: SlipwayStackProps = {}) {
    super(scope, id, {
      description: 'Slipway: CircleCI-compatible CI/CD in your AWS account',
      // Deleting the stack by mistake would stop CI (its data is retained anyway); `-c terminationProtection=false` to tear down.
      terminationProtection: scope.node.tryGetContext('terminationProtection') !== 'false' && scope.node.tryGetContext('terminationProtection') !== false,
      ...props,
    });
    const fromContext = propsFromContext(this.node);
    const alarmTopicArn = this.node.tryGetContext('alarmTopicArn') as string | undefined;
    const alarmTopic = alarmTopicArn ? Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn) : undefined;
    this.slipway = new Slipway(this, 'Slipway', { ...fromContext, alarmTopic, ...props.slipway });
  }
}
