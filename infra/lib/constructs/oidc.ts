import { CfnJson, CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, ManagedPolicy, OidcProviderNative, PolicyStatement, Role, WebIdentityPrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../nag';

/** The project whose jobs may assume the example role. */
export interface OidcRoleProject {
  /** CircleCI organization id (the `aud` of its tokens, `org_id` in the API). */
  readonly organizationId: string;
  /** Project id (`id` of `GET /api/v2/project/{slug}`). */
  readonly projectId: string;
}

export interface OidcProps {
  /** The issuer: Slipway's public URL (`https://…`), serving `/.well-known/openid-configuration`. */
  readonly issuerUrl: string;
  /** Create an IAM OIDC provider for the issuer. */
  readonly awsProvider: boolean;
  /** Create an example role (ECR read-only) that jobs of this one project may assume. Implies `awsProvider`. */
  readonly exampleRole?: OidcRoleProject;
}

/**
 * Slipway as an OpenID issuer on AWS: the KMS key that signs job tokens (`ECC_NIST_P256`, reached through an
 * alias so a rotation can move it, the previous key staying published under a second alias), and optionally
 * the IAM OIDC provider and an example role whose trust policy pins `aud` and `sub` to one project.
 */
export class Oidc extends Construct {
  readonly key: Key;
  readonly alias: string;
  readonly previousAlias: string;
  readonly provider?: OidcProviderNative;
  readonly exampleRole?: Role;
  private readonly keyArns: string;

  constructor(scope: Construct, id: string, props: OidcProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.alias = `alias/${stack.stackName}-oidc`;
    this.previousAlias = `alias/${stack.stackName}-oidc-previous`;
    this.keyArns = `arn:${stack.partition}:kms:${stack.region}:${stack.account}:key/*`;
    this.key = new Key(this, 'SigningKey', {
      description: 'Slipway: signs the OIDC tokens of jobs (ES256)',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      alias: this.alias,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    if (props.awsProvider || props.exampleRole) {
      this.provider = new OidcProviderNative(this, 'Provider', {
        url: props.issuerUrl,
        clientIds: props.exampleRole ? [props.exampleRole.organizationId] : ['sts.amazonaws.com'],
      });
      new CfnOutput(this, 'ProviderArn', { value: this.provider.oidcProviderArn, description: 'IAM OIDC provider for Slipway job tokens' });
    }
    if (props.exampleRole && this.provider) {
      const { organizationId, projectId } = props.exampleRole;
      const issuer = this.provider.oidcProviderIssuer;
      // Condition keys name the issuer (a token until deploy time), hence CfnJson.
      const conditions = {
        StringEquals: new CfnJson(this, 'AudCondition', { value: { [`${issuer}:aud`]: organizationId } }),
        StringLike: new CfnJson(this, 'SubCondition', { value: { [`${issuer}:sub`]: `org/${organizationId}/project/${projectId}/user/*` } }),
      };
      this.exampleRole = new Role(this, 'ExampleRole', {
        description: `Assumed by Slipway jobs of project ${projectId} with their OIDC token (example: ECR pulls)`,
        assumedBy: new WebIdentityPrincipal(this.provider.oidcProviderArn, conditions),
        managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryReadOnly')],
      });
      Validations.of(this.exampleRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly]',
        reason: 'Example role: read-only ECR pulls, the documented use; replace it with your own policy.',
      });
      new CfnOutput(this, 'ExampleRoleArn', { value: this.exampleRole.roleArn, description: 'Role for aws sts assume-role-with-web-identity in jobs' });
    }
  }

  /** What the minting function needs: `kms:Sign` with the current key and the public keys of both aliases. */
  grantMint(fn: IGrantable & Construct): void {
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['kms:Sign'],
        resources: [this.keyArns],
        conditions: { StringEquals: { 'kms:RequestAlias': this.alias } },
      }),
    );
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['kms:GetPublicKey'],
        resources: [this.keyArns],
        conditions: { StringEquals: { 'kms:RequestAlias': [this.alias, this.previousAlias] } },
      }),
    );
    acknowledgeWildcards(
      fn,
      "OIDC signing keys are reached by alias (a rotation points the alias at a new key): any key, only through Slipway's two OIDC aliases.",
      'Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*',
    );
  }

  /** The function environment naming the aliases (see `functions/env.ts`). */
  environment(): Record<string, string> {
    return { OIDC_KEY_ALIAS: this.alias, OIDC_PREVIOUS_KEY_ALIAS: this.previousAlias };
  }
}
