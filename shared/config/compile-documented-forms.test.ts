import { compileConfig } from './compile';
import { processConfig } from './process-config';
import { parseYaml } from './yaml-parse';

type Out = { jobs: Record<string, { steps: unknown[]; [k: string]: unknown }>; workflows: Record<string, unknown> };

async function processed(source: string, pipelineParameters: Record<string, unknown> = {}): Promise<Out> {
  const r = await processConfig(source, { fileName: 'config.yml', pipelineParameters });
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  return parseYaml(r.yaml, 'out.yml').value as Out;
}

const docker = 'docker: [{image: cimg/base:stable}]';

describe('documented forms of the config language', () => {
  it('keeps `root: .` and `at: .` as the current folder through the compiler', async () => {
    const out = await processed(`version: 2.1
jobs:
  build: {${docker}, steps: [{persist_to_workspace: {root: ., paths: [dist]}}]}
  test: {${docker}, steps: [{attach_workspace: {at: .}}]}
workflows: {main: {jobs: [build, {test: {requires: [build]}}]}}
`);
    expect(out.jobs.build.steps).toEqual([{ persist_to_workspace: { root: '.', paths: ['dist'] } }]);
    expect(out.jobs.test.steps).toEqual([{ attach_workspace: { at: '.' } }]);
  });

  it('splices a steps parameter written `- steps: << parameters.x >>` or `- << parameters.x >>`, empty lists too', async () => {
    const out = await processed(`version: 2.1
commands:
  install:
    parameters:
      after-deps: {type: steps, default: []}
      before: {type: steps, default: []}
    steps:
      - << parameters.before >>
      - run: npm ci
      - steps: << parameters.after-deps >>
jobs:
  build:
    ${docker}
    steps:
      - install:
          before: [checkout]
          after-deps:
            - run: npm test
            - save_cache: {key: v1, paths: [node_modules]}
  plain:
    ${docker}
    steps: [install]
workflows: {main: {jobs: [build, plain]}}
`);
    expect(out.jobs.build.steps).toEqual(['checkout', { run: { command: 'npm ci' } }, { run: { command: 'npm test' } }, { save_cache: { key: 'v1', paths: ['node_modules'] } }]);
    expect(out.jobs.plain.steps).toEqual([{ run: { command: 'npm ci' } }]);
  });

  it('reads `environment` as a map or as the list of one-key maps `config process` writes, and writes the list', async () => {
    const src = (env: string) => `version: 2.1
executors:
  e: {${docker}, environment: {A: executor, B: executor}}
jobs:
  build: {executor: e, environment: ${env}, steps: [{run: {command: env, environment: [{S: step}]}}]}
workflows: {main: {jobs: [build]}}
`;
    const asMap = await processed(src('{B: job, C: 3}'));
    expect(asMap.jobs.build.environment).toEqual([{ A: 'executor' }, { B: 'job' }, { C: 3 }]);
    expect(await processed(src('[{B: job}, {C: 3}]'))).toEqual(asMap);
    const compiled = await compileConfig(src('[{B: job}, {C: 3}]'));
    expect(compiled.ok && compiled.plan.workflows[0].jobs[0].environment).toEqual({ A: 'executor', B: 'job', C: '3' });
    expect(compiled.ok && compiled.plan.workflows[0].jobs[0].steps[0]).toMatchObject({ environment: { A: 'executor', B: 'job', C: '3', S: 'step' } });
  });
});
