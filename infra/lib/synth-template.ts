import { App } from 'aws-cdk-lib';
import { pinnedFeatureFlags } from './settings';
import { SlipwayStack } from './slipway-stack';

/**
 * The stack's CloudFormation template, synthesized in-process without bundling (no esbuild runs) and without
 * the web assets: what the local IAM enforcement reads the functions' role policies from.
 */
export function synthesizeTemplate(context: Record<string, unknown> = {}): Record<string, unknown> {
  const app = new App({ context: { ...pinnedFeatureFlags(), 'aws:cdk:bundling-stacks': [], webAssetPath: '/nonexistent/web/dist', ...context } });
  const stack = new SlipwayStack(app, 'Slipway');
  return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
}
