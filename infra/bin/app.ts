import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SlipwayStack } from '../lib/slipway-stack';

const app = new App();
new SlipwayStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'Slipway');
// Every finding fails the synth unless acknowledged with its reason next to the resource; the report is
// written to cdk.out.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
