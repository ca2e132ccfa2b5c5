import { compileConfig, type CompileOptions } from './compile';

const header = 'version: 2.1\n';
const job = (name: string, extra = ''): string => `  ${name}:\n    docker: [{image: cimg/base:stable}]\n${extra}    steps: [checkout]\n`;

async function messages(src: string, options: CompileOptions = {}): Promise<string[]> {
  const r = await compileConfig(src, options);
  return r.ok ? [] : r.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
}

describe('compileConfig semantics', () => {
  it('scopes << parameters.x >> to the definition that declares x', async () => {
    const src = `${header}commands:\n  c:\n    steps:\n      - run: echo << parameters.who >>\njobs:\n  a:\n    parameters:\n      who: {type: string, default: me}\n    docker: [{image: x}]\n    steps: [c]\nworkflows:\n  w:\n    jobs: [a]\n`;
    expect(await messages(src)).toEqual(['5:14 Unknown parameter << parameters.who >> in command "c".']);
  });

  it('rejects duplicate explicit job names in a workflow', async () => {
    const src = `${header}jobs:\n${job('a')}workflows:\n  w:\n    jobs:\n      - a: {name: x}\n      - a: {name: x}\n`;
    expect(await messages(src)).toEqual(['10:9 Duplicate job name "x" in workflow "w".']);
  });

  it('checks pipeline parameters given with the trigger', async () => {
    const src = `${header}parameters:\n  n: {type: integer, default: 1}\n  env: {type: enum, enum: [dev, prod], default: dev}\njobs:\n${job('build')}`;
    expect(await messages(src, { pipelineParameters: { n: 'x', env: 'qa', other: 1 } })).toEqual([
      '3:6 Argument "n" for the pipeline parameters: expected an integer, got string "x".',
      '4:8 Argument "env" for the pipeline parameters: "qa" is not one of "dev", "prod".',
      '3:3 Unexpected argument "other" for the pipeline parameters.',
    ]);
    const ok = await compileConfig(src, { pipelineParameters: { n: 3, env: 'prod' } });
    expect(ok.ok && ok.plan.pipelineParameters).toEqual({ n: 3, env: 'prod' });
  });

  it('runs the build job when a config has no workflows', async () => {
    const r = await compileConfig(`${header}jobs:\n${job('build')}`);
    expect(r.ok && r.plan.workflows.map((w) => [w.name, w.jobs.map((j) => j.name)])).toEqual([['workflow', ['build']]]);
  });

  it('rejects 2.1-only keys in a 2.0 config', async () => {
    expect(await messages(`version: 2\ncommands:\n  c: {steps: [checkout]}\njobs:\n${job('build')}`)).toEqual(['2:1 `commands` needs config version 2.1.']);
  });

  it('rejects unknown requires targets with a suggestion and unknown statuses', async () => {
    const src = `${header}jobs:\n${job('build')}${job('test')}workflows:\n  w:\n    jobs:\n      - build\n      - test:\n          requires: [biuld, {build: done}]\n`;
    const r = await compileConfig(src);
    expect(r.ok ? [] : r.problems.map((p) => [p.message, p.hint])).toEqual([
      ['Job "test" in workflow "w" requires "biuld", which is not in the workflow.', 'Did you mean "build"?'],
      ['Unknown job status "done" in requires.', 'Use one of success, failed, canceled, not_run, unauthorized, timedout, infrastructure_fail, terminal.'],
    ]);
  });

  it('resolves absent trigger parameters to empty strings and rejects unknown pipeline values', async () => {
    const src = `${header}jobs:\n  build:\n    docker: [{image: x}]\n    steps:\n      - run: echo "<< pipeline.trigger_parameters.github_app.ref >>" << pipeline.nope >>\n`;
    expect(await messages(src)).toEqual(['6:14 Unknown pipeline value << pipeline.nope >> in the config.']);
  });

  it('stops hostile input with a limit error (its speed is measured by npm run bench)', async () => {
    let src = 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 1; i < 12; i++)
      src += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(',')}]\n`;
    const r = await compileConfig(src);
    expect(!r.ok && r.problems[0].code).toBe('limit');
  });

  it('rejects invalid filter expressions', async () => {
    const src = `${header}jobs:\n${job('build')}workflows:\n  w:\n    jobs:\n      - build:\n          filters: pipeline.git.branch == (\n`;
    expect(await messages(src)).toEqual(['10:20 Invalid filter expression: Filter expression ends too early.']);
  });
});
