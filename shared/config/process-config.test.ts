import fc from 'fast-check';
import { parse } from 'yaml';
import { compileConfig } from './compile';
import { compileConfigWithDefaults } from './compile-with-defaults';
import { loadFixture } from './fixtures/load-fixture';
import { processConfig } from './process-config';

async function processed(name: string, pipelineParameters?: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await processConfig(loadFixture(name), { pipelineParameters });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return parse(r.yaml) as Record<string, any>;
}

describe('processConfig', () => {
  it('prints version 2 with expanded jobs under their final names and long-form steps', async () => {
    const out = await processed('matrix');
    expect(out.version).toBe(2);
    expect(Object.keys(out.jobs)).toEqual(['test-18-linux', 'test-20-linux', 'test-20-mac', 'named-22', 'deploy', 'again-18', 'again-20']);
    expect(out.jobs['test-20-mac']).toEqual({ docker: [{ image: 'cimg/node:20' }], steps: [{ run: { command: 'echo mac' } }] });
    expect(out.workflows.version).toBe(2);
    expect(out.workflows.main.jobs[4]).toEqual({ deploy: { requires: ['test-18-linux', 'test-20-linux', 'test-20-mac', 'named-22'] } });
    expect(out.workflows.main.jobs[0]).toBe('test-18-linux');
  });

  it('omits workflows excluded by when and keeps approvals, contexts and status requires', async () => {
    expect(Object.keys((await processed('pipeline-values')).workflows)).toEqual(['version', 'main', 'unless-deploy']);
    const out = await processed('workflow-entries');
    expect(out.workflows.main.jobs[5]).toEqual({
      report: {
        type: 'approval',
        requires: [
          { 'build-b': 'failed' },
          { hold: ['success', 'canceled'] },
          { 'test-1': ['success', 'failed', 'canceled', 'not_run'] },
          { 'test-2': ['success', 'failed', 'canceled', 'not_run'] },
        ],
      },
    });
    expect(out.jobs.build.steps).toEqual([{ run: { command: 'echo pre' } }, { run: { command: 'make' } }, { run: { command: 'echo post' } }]);
    expect(out.jobs.hold).toBeUndefined();
  });

  it('resolves executors and commands into the job', async () => {
    const out = await processed('executors');
    expect(out.jobs.test).toMatchObject({ resource_class: 'small', working_directory: '~/app', environment: [{ A: 'executor' }, { B: 'job' }, { C: 'job' }] });
    expect(out.jobs.test.executor).toBeUndefined();
    expect(out.jobs.test.parameters).toBeUndefined();
  });

  it('unescapes \\<< in the output', async () => {
    const src = 'version: 2.1\njobs:\n  a:\n    docker: [{image: x}]\n    steps:\n      - run: cat \\<< parameters.x >>\nworkflows:\n  w:\n    jobs: [a]\n';
    const r = await processConfig(src);
    expect(r.ok && (parse(r.yaml) as Record<string, any>).jobs.a.steps[0].run.command).toBe('cat << parameters.x >>');
  });
});

describe('compileConfigWithDefaults', () => {
  it('answers as the circleci CLI expects for a valid config', async () => {
    const config_yaml = loadFixture('commands');
    const r = await compileConfigWithDefaults({ config_yaml, options: { owner_id: 'o', pipeline_values: { 'git.branch': 'dev' } } });
    expect(r.valid).toBe(true);
    expect(r['source-yaml']).toBe(config_yaml);
    expect(r.errors).toEqual([]);
    expect(parse(r['output-yaml']).version).toBe(2);
    expect(r.output_yaml).toBe(r['output-yaml']);
  });

  it('returns positioned errors for an invalid config and accepts parameters as text', async () => {
    const r = await compileConfigWithDefaults({ config_yaml: loadFixture('errors/unknown-job'), options: { pipeline_parameters: '{}' } });
    expect(r).toMatchObject({ valid: false, 'output-yaml': '' });
    expect(r.errors[0].message).toMatch(/^config\.yml:9:9: Job "biuld" in workflow "main" is not defined\. Did you mean "build"\?/);
    const bad = await compileConfigWithDefaults({ config_yaml: 'version: 2.1', options: { pipeline_parameters: '[1]' } });
    expect(bad.errors[0].message).toContain('pipeline_parameters');
    expect((await compileConfigWithDefaults({} as never)).valid).toBe(false);
  });
});

describe('compileConfig on arbitrary input (property)', () => {
  it('never throws and always positions its problems', async () => {
    const tokens = fc.constantFrom(
      'version: 2.1\n',
      'jobs:\n',
      '  a:\n',
      '    steps: [checkout]\n',
      '    docker: [{image: x}]\n',
      'workflows:\n',
      '  w:\n',
      '    jobs: [a]\n',
      '<< parameters.x >>',
      '&a ',
      '*a',
      ': ',
      '- ',
      '{',
      '}',
      '\n',
      '  ',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(tokens, { maxLength: 40 }).map((t) => t.join('')),
        async (src) => {
          const r = await compileConfig(src, { fileName: 'p.yml' });
          if (!r.ok) for (const p of r.problems) expect(p.line).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
