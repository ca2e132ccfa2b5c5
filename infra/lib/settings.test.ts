import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { CURRENT_VERSION_EXPIRED_FLAGS, FLAGS } from 'aws-cdk-lib/cx-api';
import { effectiveSettings, pinnedFeatureFlags, readSettings, saveSettings } from './settings';

const ROOT = path.resolve(__dirname, '../..');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'slipway-settings-'));

describe('slipway.config.json', () => {
  const savedEnv = process.env.CDK_CONTEXT_JSON;
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.CDK_CONTEXT_JSON;
    else process.env.CDK_CONTEXT_JSON = savedEnv;
  });

  it('reads nothing from a missing file and refuses a broken one or unknown keys, naming the file', () => {
    const dir = tmp();
    expect(readSettings(path.join(dir, 'none.json'))).toEqual({});
    writeFileSync(path.join(dir, 'bad.json'), '{"profile": ');
    expect(() => readSettings(path.join(dir, 'bad.json'))).toThrow(/bad\.json is not valid JSON/);
    writeFileSync(path.join(dir, 'typo.json'), '{"natGateway": 0}');
    expect(() => readSettings(path.join(dir, 'typo.json'))).toThrow(/unknown setting\(s\) natGateway; the settings are: .*natGateways/);
  });

  it('lets -c override a saved setting, keeps the others, and saves only when something changed', () => {
    process.env.CDK_CONTEXT_JSON = JSON.stringify({ natGateways: '1', '@aws-cdk/core:newStyleStackSynthesis': true });
    const saved = { profile: 'minimal', natGateways: '0' };
    const effective = effectiveSettings(new App({ context: saved }).node);
    expect(effective).toEqual({ profile: 'minimal', natGateways: '1' });
    const file = path.join(tmp(), 'slipway.config.json');
    expect(saveSettings(file, saved, effective)).toEqual(['natGateways']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ profile: 'minimal', natGateways: '1' });
    expect(saveSettings(file, effective, effective)).toEqual([]);
  });

  it('keeps NAT off on an upgrade run without the flags (the CDK app, run twice as cdk runs it)', () => {
    const dir = tmp();
    const config = path.join(dir, 'slipway.config.json');
    const synth = (context: Record<string, unknown>) => {
      const out = path.join(dir, `out-${Object.keys(context).length}`);
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'infra/bin/app.ts')], {
        cwd: ROOT,
        env: { ...process.env, SLIPWAY_CONFIG: config, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }) },
        stdio: 'pipe',
      });
      return JSON.parse(readFileSync(path.join(out, 'Slipway.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    };
    const nat = (t: { Resources: Record<string, { Type: string }> }) => Object.values(t.Resources).filter((r) => r.Type === 'AWS::EC2::NatGateway').length;
    expect(nat(synth({ natGateways: '0', computeSubnets: 'public', webAssetPath: '/nonexistent' }))).toBe(0);
    expect(readSettings(config)).toEqual({ natGateways: '0', computeSubnets: 'public', webAssetPath: '/nonexistent' });
    expect(nat(synth({}))).toBe(0);
  }, 600_000);
});

describe('cdk.json', () => {
  it('pins every feature flag this aws-cdk-lib knows (an upgrade that adds one fails here until it is decided)', () => {
    const pinned = pinnedFeatureFlags();
    const expired = new Set<string>(CURRENT_VERSION_EXPIRED_FLAGS);
    const settable = Object.entries(FLAGS).filter(
      ([k, f]) => !expired.has(k) && (f.unconfiguredBehavesLike?.v2 !== undefined || typeof f.recommendedValue === 'boolean'),
    );
    expect(settable.map(([k]) => k).filter((k) => !(k in pinned))).toEqual([]);
    expect(Object.keys(pinned).filter((k) => !(k in FLAGS))).toEqual([]);
  });
});
