import path from 'node:path';
import { DirectoryOrbResolver } from '../adapters/local/directory-orb-resolver';
import { compileConfig, type CompileOptions } from './compile';
import { loadFixture } from './fixtures/load-fixture';
import type { JobPlan, Plan, RunStep } from './plan';

async function plan(name: string, options: CompileOptions = {}): Promise<Plan> {
  const r = await compileConfig(loadFixture(name), { fileName: `${name}.yml`, ...options });
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  return r.plan;
}
const job = (p: Plan, wf: string, name: string): JobPlan => {
  const j = p.workflows.find((w) => w.name === wf)?.jobs.find((x) => x.name === name);
  if (!j) throw new Error(`no job ${name} in ${wf}`);
  return j;
};
const runs = (j: JobPlan): RunStep[] => j.steps.filter((s): s is RunStep => s.type === 'run');

describe('compileConfig', () => {
  it('reads YAML 1.1 booleans, merge keys, aliases and holder keys when they are used', async () => {
    const p = await plan('yaml11');
    const b = job(p, 'main', 'build');
    expect(b.environment).toEqual({ FLAG: 'true', LETTER: 'n' });
    expect(b.executor).toEqual({ type: 'docker', resourceClass: 'large', images: [{ image: 'cimg/base:stable', environment: {} }] });
    expect(b.steps.map((s) => s.name)).toEqual(['echo one']);
    expect(b.position).toEqual({ file: 'yaml11.yml', line: 19, column: 9 });
  });

  it('lets the later anchor win when an anchor is defined twice', async () => {
    expect(job(await plan('duplicate-anchor'), 'main', 'a').executor.images[0].image).toBe('cimg/base:new');
  });

  it('expands commands with defaults, arguments and step when/unless', async () => {
    const b = job(await plan('commands'), 'main', 'build');
    expect(b.steps.map((s) => s.name)).toEqual(['Checkout code', 'Greet world', 'echo quiet', 'Greet slipway', 'echo LOUD']);
    expect(runs(b)[2].command).toBe('echo "hello slipway"');
  });

  it('merges executor, job and step environments and applies executor parameters', async () => {
    const p = await plan('executors');
    const t = job(p, 'main', 'test');
    expect(t.executor).toEqual({ type: 'docker', resourceClass: 'small', images: [{ image: 'cimg/node:18.0', environment: { IMG: '1' } }] });
    expect(t.environment).toEqual({ A: 'executor', B: 'job', C: 'job' });
    expect(runs(t)[0].environment).toEqual({ A: 'executor', B: 'job', C: 'step' });
    expect(t.workingDirectory).toBe('~/app');
    expect(t.shell).toBe('/bin/bash -eo pipefail');
    expect(job(p, 'main', 'plain').executor.resourceClass).toBe('large');
    expect(job(p, 'main', 'plain').executor.images[0].image).toBe('cimg/node:20.1');
  });

  it('applies job parameters of every type', async () => {
    const b = job(await plan('parameter-types'), 'main', 'build');
    expect(b.executor).toEqual({ type: 'machine', resourceClass: 'large', images: [], machineImage: 'ubuntu-2204:current' });
    expect(b.parallelism).toBe(3);
    expect(b.steps.map((s) => s.name)).toEqual(['echo hello $OTHER_TOKEN', 'echo injected']);
  });

  it('resolves pipeline values and parameters and decides workflow when/unless', async () => {
    const pipeline = {
      id: 'pid',
      number: 7,
      git: { branch: 'feature/x', revision: 'abc', base_revision: 'def' },
      project: { git_url: 'https://g/x', type: 'github' },
      trigger_source: 'webhook',
    };
    const p = await plan('pipeline-values', { pipeline, pipelineParameters: { region: 'us-east-1' } });
    expect(p.workflows.map((w) => w.name)).toEqual(['main', 'not-main', 'unless-deploy']);
    expect(runs(job(p, 'main', 'build'))[0].command).toBe('echo pid 7 feature/x  abc def https://g/x github webhook us-east-1');
    expect(p.pipelineParameters).toEqual({ deploy: false, region: 'us-east-1' });
    const deployed = await plan('pipeline-values', { pipelineParameters: { deploy: true } });
    expect(deployed.workflows.map((w) => w.name)).toEqual(['main', 'deploy']);
    const onFeature = await plan('pipeline-values', { pipeline, pipelineParameters: { deploy: true } });
    expect(onFeature.workflows.map((w) => w.name)).toEqual(['main', 'deploy', 'not-main']);
  });

  it('expands matrices with default names, exclude, alias and matrix references', async () => {
    const p = await plan('matrix');
    const names = p.workflows[0].jobs.map((j) => j.name);
    expect(names).toEqual(['test-18-linux', 'test-20-linux', 'test-20-mac', 'named-22', 'deploy', 'again-18', 'again-20']);
    expect(job(p, 'main', 'deploy').requires.map((r) => r.job)).toEqual(['test-18-linux', 'test-20-linux', 'test-20-mac', 'named-22']);
    expect(job(p, 'main', 'again-20').requires).toEqual([{ job: 'test-20-linux', statuses: ['success'] }]);
    expect(job(p, 'main', 'test-20-mac').executor.images[0].image).toBe('cimg/node:20');
  });

  it('handles contexts, pre/post-steps, auto-suffixes, approvals, status requires and serial groups', async () => {
    const p = await plan('workflow-entries');
    expect(p.workflows[0].jobs.map((j) => j.name)).toEqual(['build', 'build-b', 'test-1', 'test-2', 'hold', 'report']);
    const b = job(p, 'main', 'build');
    expect(b.contexts).toEqual(['org-global']);
    expect(b.steps.map((s) => s.name)).toEqual(['echo pre', 'make', 'echo post']);
    const bb = job(p, 'main', 'build-b');
    expect(bb).toMatchObject({ contexts: ['one', 'two'], serialGroup: 'deploys', maxAutoReruns: 3 });
    expect(job(p, 'main', 'hold')).toMatchObject({ type: 'approval', steps: [], requires: [{ job: 'build', statuses: ['success'] }] });
    expect(job(p, 'main', 'report').requires).toEqual([
      { job: 'build-b', statuses: ['failed'] },
      { job: 'hold', statuses: ['success', 'canceled'] },
      { job: 'test-1', statuses: ['success', 'failed', 'canceled', 'not_run'] },
      { job: 'test-2', statuses: ['success', 'failed', 'canceled', 'not_run'] },
    ]);
    expect(runs(job(p, 'main', 'test-1'))[0]).toMatchObject({
      name: 'Unit tests',
      when: 'always',
      noOutputTimeoutSeconds: 1200,
      maxAutoReruns: 2,
      autoRerunDelaySeconds: 30,
    });
  });

  it('keeps filters and legacy scheduled triggers', async () => {
    const p = await plan('filters');
    expect(p.workflows[0].schedules).toEqual([{ cron: '0 0 * * *', filters: { branches: { only: ['main'] } } }]);
    expect(job(p, 'main', 'test').filters).toEqual({ branches: { ignore: ['/gh-pages|tmp-.*/'] }, tags: { only: ['/.*/'] } });
    expect(job(p, 'main', 'main-only').filters).toEqual({ branches: { only: ['main'] } });
    expect(job(p, 'main', 'expr').filters).toEqual({ expression: 'pipeline.git.branch == "main" or pipeline.git.tag =~ "v.*"' });
  });

  it('expands inline orbs with executors, commands, jobs and nested orbs', async () => {
    const p = await plan('inline-orb');
    expect(job(p, 'main', 'build').steps.map((s) => s.name)).toEqual(['echo inner', 'echo build', 'echo inner']);
    const lint = job(p, 'main', 'tools/lint');
    expect(lint.definition).toBe('tools/lint');
    expect(lint.steps.map((s) => s.name)).toEqual(['echo inner', 'echo lint', 'echo extra']);
    expect(lint.requires).toEqual([{ job: 'build', statuses: ['success'] }]);
  });

  it('loads registry orbs through the orb resolver', async () => {
    const orbResolver = new DirectoryOrbResolver(path.join(__dirname, 'fixtures/orbs'));
    const b = job(await plan('registry-orb', { orbResolver }), 'main', 'build');
    expect(b.executor).toEqual({ type: 'windows', resourceClass: 'windows.large', images: [], machineImage: 'windows-server-2022-gui:current' });
    expect(b.shell).toBe('bash.exe');
  });

  it('compiles a 2.0 config without workflows to one build job with every built-in step', async () => {
    const p = await plan('version-2');
    expect(p.version).toBe(2);
    const b = job(p, 'workflow', 'build');
    expect(b.workingDirectory).toBe('~/repo');
    expect(b.steps.map((s) => [s.type, s.name])).toEqual([
      ['checkout', 'Checkout code'],
      ['save_cache', 'Saving cache'],
      ['restore_cache', 'Restoring cache'],
      ['persist_to_workspace', 'Persisting to workspace'],
      ['attach_workspace', 'Attaching workspace'],
      ['store_artifacts', 'Uploading artifacts'],
      ['store_test_results', 'Uploading test results'],
      ['add_ssh_keys', 'Installing additional ssh keys'],
      ['setup_remote_docker', 'Setup a remote Docker engine'],
      ['run', './deploy.sh'],
    ]);
    expect(b.steps[1]).toMatchObject({ key: 'v1-{{ checksum "package.json" }}', paths: ['node_modules'] });
    expect(b.steps[2]).toMatchObject({ keys: ['v1-a', 'v1-'] });
    expect(b.steps[8]).toMatchObject({ version: '20.10.18', dockerLayerCaching: true });
  });

  it('marks setup configs and self-hosted runner jobs', async () => {
    const p = await plan('setup');
    expect(p.setup).toBe(true);
    expect(job(p, 'setup', 'generate').executor).toEqual({ type: 'runner', resourceClass: 'acme/runner', images: [] });
  });
});
