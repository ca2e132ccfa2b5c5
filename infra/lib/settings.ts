import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'constructs';

/**
 * The repository root, where `cdk.json` and `slipway.config.json` live: the nearest folder upwards with a
 * `cdk.json`, so that it is found from the sources and from the CLI's bundle in node_modules/.cache alike.
 */
const ROOT = ((from: string) => {
  for (let dir = from; path.dirname(dir) !== dir; dir = path.dirname(dir)) if (existsSync(path.join(dir, 'cdk.json'))) return dir;
  return path.resolve(__dirname, '../..');
})(__dirname);

/** The file the CDK app keeps the deployment's settings in (`SLIPWAY_CONFIG` names another). */
export const settingsFile = (env: NodeJS.ProcessEnv = process.env): string => env.SLIPWAY_CONFIG ?? path.join(ROOT, 'slipway.config.json');

/**
 * The context keys that are Slipway settings (see `propsFromContext` and the README's configuration reference).
 * Everything else in the context (CDK feature flags, `aws:cdk:*`) is not saved.
 */
export const SETTING_KEYS = [
  'stackName',
  'profile',
  'terminationProtection',
  'alarmTopicArn',
  'alarmEmail',
  'vpcId',
  'vpcCidrBlock',
  'vpcAvailabilityZones',
  'vpcPrivateSubnetIds',
  'vpcPublicSubnetIds',
  'natGateways',
  'computeSubnets',
  'apiAccess',
  'domainName',
  'certificateArn',
  'githubAppSecretName',
  'githubApiUrl',
  'retentionDays',
  'fargateClasses',
  'fargateSpot',
  'agentImage',
  'agentImageTag',
  'machineClasses',
  'jobLeaseSeconds',
  'reserveConcurrency',
  'webAssetPath',
  'oidcProvider',
  'oidcRoleProject',
  'logLevel',
  'logRetentionDays',
  'tableIndexProjection',
] as const;

export type Settings = Partial<Record<(typeof SETTING_KEYS)[number], unknown>>;

/** Reads the saved settings; a missing file is no settings, a broken one is an error that says where. */
export function readSettings(file: string): Settings {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); fix or delete it (it holds this deployment's settings).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${file} must hold a JSON object of settings, e.g. {"profile": "minimal"}.`);
  const unknown = Object.keys(parsed).filter((k) => !(SETTING_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`${file}: unknown setting(s) ${unknown.join(', ')}; the settings are: ${SETTING_KEYS.join(', ')}.`);
  return parsed as Settings;
}

/** The settings in effect: the saved ones with any given as context (`-c key=value`, `cdk.json`) on top. */
export function effectiveSettings(node: Node): Settings {
  const out: Settings = {};
  for (const key of SETTING_KEYS) {
    const v = node.tryGetContext(key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * Saves the settings in effect when they differ from the file, so the next `cdk deploy` (an upgrade run without
 * the same `-c` flags) keeps them; returns the keys that changed. An empty value (`-c natGateways=`) is saved too
 * and means "the default".
 */
export function saveSettings(file: string, saved: Settings, effective: Settings): string[] {
  const changed = SETTING_KEYS.filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(effective[k]));
  if (changed.length > 0) writeFileSync(file, `${JSON.stringify(effective, null, 2)}\n`);
  return changed;
}

/** The CDK feature flags pinned in `cdk.json` (tests synthesize with them, as `cdk synth` does). */
export function pinnedFeatureFlags(): Record<string, unknown> {
  const cdk = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdk.context ?? {};
}
