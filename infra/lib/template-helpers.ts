import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { pinnedFeatureFlags } from './settings';
import { SlipwayStack } from './slipway-stack';

/**
 * Synthesizes the stack once with cdk-nag (which throws on any unacknowledged finding) and bundling skipped,
 * for assertion tests; returns the template and the synth error, if any.
 */
export function synthForTest(context: Record<string, unknown> = {}): { template: Template; error?: unknown } {
  const app = new App({ context: { ...pinnedFeatureFlags(), 'aws:cdk:bundling-stacks': [], webAssetPath: '/nonexistent/web/dist', ...context } });
  const stack = new SlipwayStack(app, 'Slipway');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    const assembly = app.synth();
    return { template: Template.fromJSON(assembly.getStackByName(stack.stackName).template) };
  } catch (error) {
    return { template: Template.fromJSON({ Resources: {} }), error };
  }
}

export type TemplateResource = { Properties: Record<string, any>; Type: string };
export const byType = (t: Template, type: string) => Object.entries(t.findResources(type)) as [string, TemplateResource][];
export const fnByService = (t: Template, name: string) =>
  byType(t, 'AWS::Lambda::Function').find(([, r]) => r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === `slipway-${name}`)!;

/** All statements of the inline policies of a role (by logical id). */
export function roleStatements(t: Template, roleId: string): any[] {
  return byType(t, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

/** All statements of the policies of a function's role. */
export function statements(t: Template, fn: string): any[] {
  return roleStatements(t, fnByService(t, fn)[1].Properties.Role['Fn::GetAtt'][0]);
}

export const actionsOf = (s: any): string[] => [s.Action].flat();
