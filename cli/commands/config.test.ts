import path from 'node:path';
import { Command } from 'commander';
import { registerConfigCommands } from './config';

const fixtures = path.resolve(__dirname, '../../shared/config/fixtures');

async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  process.exitCode = undefined;
  try {
    const program = new Command().exitOverride();
    registerConfigCommands(program);
    await program.parseAsync(['node', 'slipway', ...args]);
    return { out: out.join(''), err: err.join(''), code: Number(process.exitCode ?? 0) };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('registerConfigCommands', () => {
  it('validates a good config', async () => {
    const file = path.join(fixtures, 'commands.yml');
    expect(await run('config', 'validate', file)).toEqual({ out: `Config file at ${file} is valid.\n`, err: '', code: 0 });
  });

  it('prints positioned errors and exits non-zero for a bad config', async () => {
    const file = path.join(fixtures, 'errors/unknown-job.yml');
    const r = await run('config', 'validate', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:9:9: Job "biuld" in workflow "main" is not defined.`);
  });

  it('processes a config with pipeline parameters', async () => {
    const r = await run('config', 'process', path.join(fixtures, 'pipeline-values.yml'), '--pipeline-parameters', '{"deploy": true}');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^version: 2\n/);
    expect(r.out).toContain('deploy-build:');
    expect((await run('config', 'process', path.join(fixtures, 'commands.yml'), '--pipeline-parameters', '[1]')).code).toBe(1);
  });

  it('resolves registry orbs from --orb-dir', async () => {
    const r = await run('config', 'validate', path.join(fixtures, 'registry-orb.yml'), '--orb-dir', path.join(fixtures, 'orbs'));
    expect(r.code).toBe(0);
  });

  it('packs an orb folder and reports a missing one', async () => {
    const packed = await run('orb', 'pack', path.join(fixtures, 'orb-source'));
    expect(packed).toEqual({ out: expect.stringContaining('command: |\n            echo hello\n'), err: '', code: 0 });
    const r = await run('orb', 'pack', path.join(fixtures, 'orbs/circleci/windows'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('has no @orb.yml');
  });

  it('packs a config folder and reports one that is not a folder', async () => {
    const packed = await run('config', 'pack', path.join(fixtures, 'config-folder'));
    expect(packed.code).toBe(0);
    expect(packed.out).toContain('build:');
    const r = await run('config', 'pack', path.join(fixtures, 'commands.yml'));
    expect(r).toEqual({ out: '', err: expect.stringContaining('is not a folder'), code: 1 });
  });
});
