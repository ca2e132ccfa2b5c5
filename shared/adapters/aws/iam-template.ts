import type { PolicyStatementJson } from './iam-policy';

/** Where the template's resources live: partition, region, account, and the physical values of resources. */
export interface TemplateBinding {
  readonly partition?: string;
  readonly region: string;
  readonly account: string;
  /**
   * Physical values by environment variable of the functions (`TABLE_NAME: 'slipway'`): each variable the
   * template sets to a bare `Ref`/`Fn::GetAtt` binds that resource to the value given here.
   */
  readonly environment: Readonly<Record<string, string | undefined>>;
}

/** A function's role, resolved: its name (for error messages) and its identity-based statements. */
export interface ResolvedRole {
  readonly roleName: string;
  readonly statements: PolicyStatementJson[];
}

type Json = any;
type Attributes = Record<string, string>;

const lastSegment = (s: string, sep = '/') => s.slice(s.lastIndexOf(sep) + 1);

/** The attributes of a resource whose `Ref` (or `Arn`) is known, as CloudFormation would return them. */
function attributesOf(type: string, value: string, b: Required<Omit<TemplateBinding, 'environment'>>): Attributes {
  const arn = (service: string, resource: string) => `arn:${b.partition}:${service}:${b.region}:${b.account}:${resource}`;
  switch (type) {
    case 'AWS::DynamoDB::Table':
      return { Ref: value, Arn: arn('dynamodb', `table/${value}`) };
    case 'AWS::S3::Bucket':
      return { Ref: value, Arn: `arn:${b.partition}:s3:::${value}` };
    case 'AWS::SQS::Queue':
      return { Ref: value, Arn: arn('sqs', lastSegment(value)), QueueName: lastSegment(value) };
    case 'AWS::KMS::Key':
      return value.startsWith('arn:')
        ? { Ref: lastSegment(value), Arn: value, KeyId: lastSegment(value) }
        : { Ref: value, Arn: arn('kms', `key/${value}`), KeyId: value };
    case 'AWS::ECS::Cluster':
      return value.startsWith('arn:') ? { Ref: lastSegment(value), Arn: value } : { Ref: value, Arn: arn('ecs', `cluster/${value}`) };
    default:
      return { Ref: value, Arn: value };
  }
}

/**
 * Reads the role policies of Slipway's functions from a synthesized template, every intrinsic resolved against
 * `binding`. A resource with no physical value resolves to `<unbound:LogicalId>`, which no request matches:
 * a grant on a resource the runtime does not have is simply unusable, as in AWS.
 */
export function rolesFromTemplate(template: Json, binding: TemplateBinding): Record<string, ResolvedRole> {
  const b = { partition: binding.partition ?? 'aws', region: binding.region, account: binding.account };
  const resources: Record<string, Json> = template.Resources ?? {};
  const bound = new Map<string, Attributes>();
  const functions = Object.entries(resources).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
  );
  for (const [, fn] of functions) {
    for (const [name, expr] of Object.entries<Json>(fn.Properties.Environment.Variables)) {
      const value = binding.environment[name];
      if (!value || typeof expr !== 'object' || expr === null) continue;
      const id: string | undefined = expr.Ref ?? (expr['Fn::GetAtt']?.[1] === 'Arn' ? expr['Fn::GetAtt'][0] : undefined);
      if (id && resources[id]) bound.set(id, attributesOf(resources[id].Type, value, b));
    }
  }

  const resolve = (e: Json): Json => {
    if (Array.isArray(e)) return e.map(resolve);
    if (e === null || typeof e !== 'object') return e;
    if ('Ref' in e) return ref(e.Ref);
    if ('Fn::GetAtt' in e) {
      const [id, attr] = e['Fn::GetAtt'];
      return bound.get(id)?.[attr] ?? `<unbound:${id}.${attr}>`;
    }
    if ('Fn::Join' in e) return (resolve(e['Fn::Join'][1]) as string[]).join(e['Fn::Join'][0]);
    if ('Fn::Select' in e) return (resolve(e['Fn::Select'][1]) as string[])[Number(resolve(e['Fn::Select'][0]))];
    if ('Fn::Split' in e) return String(resolve(e['Fn::Split'][1])).split(e['Fn::Split'][0]);
    return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, resolve(v)]));
  };
  const ref = (id: string): string => {
    if (id === 'AWS::Partition') return b.partition;
    if (id === 'AWS::Region') return b.region;
    if (id === 'AWS::AccountId') return b.account;
    if (id === 'AWS::URLSuffix') return 'amazonaws.com';
    return bound.get(id)?.Ref ?? `<unbound:${id}>`;
  };

  const roles: Record<string, ResolvedRole> = {};
  for (const [, fn] of functions) {
    const name = String(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).replace(/^slipway-/, '');
    const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles ?? []).some((x: Json) => x.Ref === roleId))
      .flatMap((r) => r.Properties.PolicyDocument.Statement)
      .concat((resources[roleId]?.Properties?.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement));
    roles[name] = { roleName: `${roleId}`, statements: resolve(statements) as PolicyStatementJson[] };
  }
  return roles;
}
