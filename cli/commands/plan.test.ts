import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestRepo, type TestRepo } from '../../test/support/git-repo';
import { CONTINUE, FILTERS_AND_WHEN as CONFIG, PATH_FILTERING_ORB as ORB, SETUP } from '../../test/support/plan-configs';
import { registerPlanCommand } from './plan';

async function plan(repo: TestRepo, ...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  const cwd = process.cwd();
  process.exitCode = undefined;
  try {
    process.chdir(repo.dir);
    const program = new Command().exitOverride();
    registerPlanCommand(program);
    await program.parseAsync(['node', 'slipway', 'plan', ...args]);
    return { out: out.join(''), err: err.join(''), code: Number(process.exitCode ?? 0) };
  } finally {
    process.chdir(cwd);
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('slipway plan', () => {
  let repo: TestRepo;
  beforeAll(() => {
    repo = createTestRepo({ '.circleci/config.yml': CONFIG });
  });

  it('says which jobs run on a feature branch and why the others do not', async () => {
    const r = await plan(repo, '--branch', 'feature/x');
    expect(r.code).toBe(0);
    expect(r.out).toContain('workflow build-test: runs');
    expect(r.out).toMatch(/run  test +requires build/);
    expect(r.out).toMatch(/run  hold \(approval\) +requires test/);
    expect(r.out).toMatch(/skip deploy +filters\.branches\.only: main \(branch feature\/x does not match\)/);
    expect(r.out).toMatch(/skip docs +required job deploy filtered out/);
    expect(r.out).toContain('workflow release: does not run (when: equal [ main, feature/x ] is false)');
    expect(r.out).toContain('workflow nightly: does not run (when: false)');
  });

  it('runs every job on main, and the workflows whose when logic holds for the parameters', async () => {
    const r = await plan(repo, '--branch', 'main', '--param', 'nightly=true');
    expect(r.out).toMatch(/run  docs +requires deploy/);
    expect(r.out).toContain('workflow release: runs');
    expect(r.out).toContain('workflow nightly: runs');
  });

  it('runs only tag-filtered jobs for a tag and gives the reason for the rest', async () => {
    const r = await plan(repo, '--tag', 'v1.0', '--event', 'tag');
    expect(r.out).toMatch(/run  build/);
    expect(r.out).toMatch(/run  test/);
    expect(r.out).toMatch(/skip hold \(approval\) +tag v1\.0 pushed and the job has no `filters\.tags`/);
    expect(r.out).toMatch(/skip deploy +tag v1\.0 pushed/);
    const nonMatching = await plan(repo, '--tag', 'nightly-1');
    expect(nonMatching.out).toMatch(/skip build +filters\.tags\.only: \/\^v\.\*\/ \(tag nightly-1 does not match\)/);
  });

  it('follows a path-filtered setup config to the continuation the changed paths select', async () => {
    const setupRepo = createTestRepo({ '.circleci/config.yml': SETUP, '.circleci/continue.yml': CONTINUE });
    const orbs = join(setupRepo.dir, '.orbs', 'circleci', 'path-filtering@1.0.0');
    mkdirSync(orbs, { recursive: true });
    writeFileSync(join(orbs, 'orb.yml'), ORB);
    const r = await plan(setupRepo, '--branch', 'feature', '--changed', 'api/server.ts,README.md', '--orb-dir', join(setupRepo.dir, '.orbs'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('workflow generate: runs');
    expect(r.out).toContain('continues with .circleci/continue.yml, parameters {"run-api":true} (api/server.ts matches api/.* → run-api)');
    expect(r.out).toContain('  workflow api: runs');
    expect(r.out).toContain('  workflow web: does not run (when: false)');
  });

  it('takes the changed paths from git when none are given, uncommitted files included', async () => {
    const setupRepo = createTestRepo({ '.circleci/config.yml': SETUP, '.circleci/continue.yml': CONTINUE });
    setupRepo.git('checkout', '--quiet', '-b', 'feature');
    mkdirSync(join(setupRepo.dir, 'web'));
    writeFileSync(join(setupRepo.dir, 'web', 'index.html'), '<p>hi</p>');
    const r = await plan(setupRepo, '--format', 'json');
    const report = JSON.parse(r.out);
    expect(report.problems[0].code).toBe('orb-not-found');
    expect(report.continuation.parameters).toEqual({ 'run-web': true });
    expect(report.continuation.report.workflows.map((w: { name: string; runs: boolean }) => [w.name, w.runs])).toEqual([
      ['web', true],
      ['api', false],
    ]);
    expect(r.code).toBe(1);
  });

  // Mermaid's own parser reads these diagrams in Chromium: test/e2e/plan-mermaid.test.ts.
  it('draws the workflow graph as a Mermaid flowchart', async () => {
    const r = await plan(repo, '--branch', 'feature/x', '--format', 'mermaid');
    expect(r.out.startsWith('flowchart LR\n')).toBe(true);
    expect(r.out).toContain('w0j2{{"hold"}}');
    expect(r.out).toContain('w0j0 --> w0j1');
    expect(r.out).toContain('not run: filters.branches.only: main (branch feature/x does not match)');
  });

  it('plans a .circleci/config/ folder packed as circleci config pack packs it', async () => {
    const folder = createTestRepo({
      '.circleci/config/@config.yml':
        'version: 2.1\nworkflows:\n  main:\n    jobs: [build, { deploy: { requires: [build], filters: { branches: { only: main } } } }]\n',
      '.circleci/config/jobs/build.yml': 'docker: [{ image: cimg/base:stable }]\nsteps: [{ run: echo build }]\n',
      '.circleci/config/jobs/deploy.yml': 'docker: [{ image: cimg/base:stable }]\nsteps: [{ run: echo deploy }]\n',
    });
    const r = await plan(folder, '--branch', 'dev');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/run  build\n/);
    expect(r.out).toMatch(/skip deploy +filters\.branches\.only: main \(branch dev does not match\)/);
  });

  it('refuses bad input with a specific message', async () => {
    expect(await plan(repo, '--param', 'oops')).toMatchObject({ code: 2, err: expect.stringContaining('write --param name=value') });
    expect(await plan(repo, '--event', 'merge')).toMatchObject({ code: 2, err: expect.stringContaining('use one of push, pull_request') });
    const empty = createTestRepo({ 'README.md': 'x' });
    expect(await plan(empty)).toMatchObject({ code: 2, err: expect.stringContaining('No .circleci/config.yml (or .circleci/config/ folder) in') });
  });
});
