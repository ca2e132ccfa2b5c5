import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SlipwayStack } from './slipway-stack';

const ORG = '8c6e2a57-0b52-4b8e-9d3a-2f6a1c9e7d10';
const PROJECT = 'f1d2c3b4-a596-4788-99aa-bbccddeeff00';

function synthOidc(context: Record<string, unknown>): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], webAssetPath: '/nonexistent/web/dist', ...context } });
  const stack = new SlipwayStack(app, 'Slipway');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // cdk-nag throws here on any unacknowledged finding.
  return Template.fromJSON(app.synth().getStackByName(stack.stackName).template);
}

type Statement = { Action: string | string[]; Condition?: Record<string, Record<string, unknown>> };
/** Statements (of any inline policy in the template) that allow `action`, with the roles they are attached to. */
function allowing(t: Template, action: string): Array<{ statement: Statement; roles: string[] }> {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).filter((s) => [s.Action].flat().includes(action)).map((statement) => ({ statement, roles: p.Properties.Roles.map((r: any) => r.Ref) })),
  );
}

describe('Slipway OIDC on AWS', () => {
  describe('by default (no provider)', () => {
    const t = synthOidc({});

    it('creates an ECC_NIST_P256 signing key behind the stack\'s alias, kept on stack deletion', () => {
      t.hasResource('AWS::KMS::Key', { Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, DeletionPolicy: 'Retain' });
      t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/Slipway-oidc' });
    });

    it('lets only the api function sign, and only through the current alias', () => {
      const sign = allowing(t, 'kms:Sign');
      expect(sign).toHaveLength(1);
      expect(sign[0].roles).toHaveLength(1);
      expect(sign[0].roles[0]).toMatch(/^SlipwayFunctionsapiServiceRole/);
      expect(sign[0].statement.Condition).toEqual({ StringEquals: { 'kms:RequestAlias': 'alias/Slipway-oidc' } });
      const publicKeys = allowing(t, 'kms:GetPublicKey');
      expect(publicKeys[0].statement.Condition).toEqual({ StringEquals: { 'kms:RequestAlias': ['alias/Slipway-oidc', 'alias/Slipway-oidc-previous'] } });
    });

    it('gives the functions the aliases and routes discovery to the api', () => {
      const fns = Object.values(t.findResources('AWS::Lambda::Function')).filter((f: any) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME);
      for (const f of fns as any[]) expect(f.Properties.Environment.Variables).toMatchObject({ OIDC_KEY_ALIAS: 'alias/Slipway-oidc', OIDC_PREVIOUS_KEY_ALIAS: 'alias/Slipway-oidc-previous' });
      t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /.well-known/{proxy+}' });
      t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    });
  });

  describe('with an example role for one project (context oidcRoleProject)', () => {
    const t = synthOidc({ oidcRoleProject: `${ORG}/${PROJECT}` });

    it('creates the IAM OIDC provider for the issuer with the organization as client id', () => {
      t.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: Match.anyValue(), ClientIdList: [ORG] });
    });

    it('trusts only tokens of that project with the organization as audience', () => {
      const roles = Object.values(t.findResources('AWS::IAM::Role')).filter((r: any) =>
        r.Properties.AssumeRolePolicyDocument.Statement.some((s: any) => s.Action === 'sts:AssumeRoleWithWebIdentity'),
      ) as any[];
      expect(roles).toHaveLength(1);
      const [statement] = roles[0].Properties.AssumeRolePolicyDocument.Statement;
      expect(statement.Principal).toEqual({ Federated: { Ref: expect.stringMatching(/Provider/) } });
      // The conditions are CfnJson values (their keys name the issuer, known at deploy time): `{"<issuer>:aud":…}`.
      const tails = Object.values(t.findResources('Custom::AWSCDKCfnJson')).map((r: any) => r.Properties.Value['Fn::Join'][1].at(-1));
      expect(tails.sort()).toEqual([`:aud":"${ORG}"}`, `:sub":"org/${ORG}/project/${PROJECT}/user/*"}`]);
      expect(roles[0].Properties.ManagedPolicyArns).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonEC2ContainerRegistryReadOnly']] }]);
    });
  });

  it('refuses a malformed oidcRoleProject', () => {
    expect(() => synthOidc({ oidcRoleProject: ORG })).toThrow(/oidcRoleProject must be <organization id>\/<project id>/);
  });
});
