import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SlipwayStack } from '../lib/slipway-stack';
import { effectiveSettings, readSettings, saveSettings, settingsFile } from '../lib/settings';

// Settings survive upgrades: slipway.config.json holds every setting given so far; `-c key=value` overrides it
// for this run and is saved into it (App context passed here ranks below the CLI's and cdk.json's).
const file = settingsFile();
const saved = readSettings(file);
const app = new App({ context: saved as Record<string, unknown> });
const changed = saveSettings(file, saved, effectiveSettings(app.node));
if (changed.length > 0)
  process.stderr.write(`Slipway: saved ${changed.join(', ')} to ${file}; later deploys keep them (keep the file with your deployment).\n`);
new SlipwayStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'Slipway');
// Every finding fails the synth unless acknowledged with its reason next to the resource; the report is
// written to cdk.out.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
