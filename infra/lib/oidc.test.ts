import { Match, type Template } from 'aws-cdk-lib/assertions';
import { FUNCTION_NAMES } from '../../shared/model/function-grants';
import { actionsOf, byType, fnByService, statements, synthForTest } from './template-helpers';

const ORG = '8c6e2a57-0b52-4b8e-9d3a-2f6a1c9e7d10';
const PROJECT = 'f1d2c3b4-a596-4788-99aa-bbccddeeff00';

/** Synthesizes with cdk-nag; any unacknowledged finding fails. */
function synthOidc(context: Record<string, unknown>): Template {
  const { template, error } = synthForTest(context);
  if (error) throw error;
  return template;
}

describe('Slipway OIDC on AWS', () => {
  describe('by default (no provider)', () => {
    const t = synthOidc({});

    it("creates an ECC_NIST_P256 signing key behind the stack's alias, kept on stack deletion", () => {
      t.hasResource('AWS::KMS::Key', { Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, DeletionPolicy: 'Retain' });
      t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/Slipway-oidc' });
    });

    it('lets only the api function sign, and only through the current alias', () => {
      expect(FUNCTION_NAMES.filter((fn) => statements(t, fn).some((s) => actionsOf(s).includes('kms:Sign')))).toEqual(['api']);
      const api = statements(t, 'api');
      expect(api.find((s) => actionsOf(s).includes('kms:Sign')).Condition).toEqual({ StringEquals: { 'kms:RequestAlias': 'alias/Slipway-oidc' } });
      expect(api.find((s) => actionsOf(s).includes('kms:GetPublicKey')).Condition).toEqual({
        StringEquals: { 'kms:RequestAlias': ['alias/Slipway-oidc', 'alias/Slipway-oidc-previous'] },
      });
      expect(fnByService(t, 'api')[1].Properties.Environment.Variables.OIDC_KEY_ALIAS).toBe('alias/Slipway-oidc');
    });

    it('gives the functions the aliases and routes discovery to the api', () => {
      const fns = byType(t, 'AWS::Lambda::Function')
        .map(([, f]) => f)
        .filter((f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME);
      for (const f of fns)
        expect(f.Properties.Environment.Variables).toMatchObject({
          OIDC_KEY_ALIAS: 'alias/Slipway-oidc',
          OIDC_PREVIOUS_KEY_ALIAS: 'alias/Slipway-oidc-previous',
        });
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
      expect(roles[0].Properties.ManagedPolicyArns).toEqual([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonEC2ContainerRegistryReadOnly']] },
      ]);
    });
  });

  it('refuses a malformed oidcRoleProject', () => {
    expect(() => synthOidc({ oidcRoleProject: ORG })).toThrow(/oidcRoleProject must be <organization id>\/<project id>/);
  });
});
