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
    expect(out.jobs.build.steps).toEqual([
      'checkout',
      { run: { command: 'npm ci' } },
      { run: { command: 'npm test' } },
      { save_cache: { key: 'v1', paths: ['node_modules'] } },
    ]);
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

describe('parameters in every documented place', () => {
  it('substitutes parameters in environment keys, docker auth, resource_class, parallelism, working_directory and when', async () => {
    const out = await processed(
      `version: 2.1
executors:
  py:
    parameters:
      tag: {type: string, default: "3.12"}
    docker:
      - image: cimg/python:<< parameters.tag >>
        auth: {username: bot, password: $<< parameters.tag >>}
orbs:
  tools:
    jobs:
      lint:
        docker: [{image: cimg/base:stable}]
        steps: [{run: lint}]
jobs:
  build:
    parameters:
      var: {type: env_var_name, default: TOKEN}
      size: {type: enum, enum: [small, large], default: large}
      n: {type: integer, default: 3}
      dir: {type: string, default: /src}
      run-tests: {type: boolean, default: true}
      exec: {type: executor, default: py}
      user: {type: string, default: bot}
    executor: << parameters.exec >>
    resource_class: << parameters.size >>
    parallelism: << parameters.n >>
    working_directory: << parameters.dir >>
    environment:
      << parameters.var >>_FILE: /tmp/<< parameters.var >>
    steps:
      - when:
          condition: << parameters.run-tests >>
          steps: [{run: "echo $<< parameters.var >>"}]
      - unless:
          condition: << parameters.run-tests >>
          steps: [{run: never}]
workflows:
  main:
    when:
      and:
        - not: {equal: [nope, << pipeline.git.branch >>]}
        - or: [true, {matches: {pattern: "^rel", value: << pipeline.git.branch >>}}]
    jobs:
      - build:
          name: b1
          exec: {name: py, tag: "3.11"}
          var: SECRET
          size: small
          n: 2
          dir: /w
      - tools/lint:
          pre-steps: [{run: before}]
          post-steps: [{run: after}]
`,
      {},
    ).catch((e: Error) => e.message);
    if (typeof out === 'string') throw new Error(out);
    expect(out.jobs.b1).toMatchObject({
      docker: [{ image: 'cimg/python:3.11', auth: { username: 'bot', password: '$3.11' } }],
      resource_class: 'small',
      parallelism: 2,
      working_directory: '/w',
      environment: [{ SECRET_FILE: '/tmp/SECRET' }],
      steps: [{ run: { command: 'echo $SECRET' } }],
    });
    expect(out.jobs['tools/lint'].steps).toEqual([{ run: { command: 'before' } }, { run: { command: 'lint' } }, { run: { command: 'after' } }]);
  });

  it('expands a matrix with alias and exclude, naming instances with << matrix.x >>', async () => {
    const out = await processed(`version: 2.1
jobs:
  test:
    parameters:
      os: {type: string}
      node: {type: integer}
    docker: [{image: "cimg/node:<< parameters.node >>"}]
    steps: [{run: "echo << parameters.os >>"}]
  report: {docker: [{image: cimg/base:stable}], steps: [checkout]}
workflows:
  main:
    jobs:
      - test:
          name: test-<< matrix.os >>-<< matrix.node >>
          matrix:
            alias: all-tests
            parameters: {os: [linux, mac], node: [18, 20]}
            exclude: [{os: mac, node: 18}]
      - report: {requires: [all-tests]}
`);
    expect(Object.keys(out.jobs).sort()).toEqual(['report', 'test-linux-18', 'test-linux-20', 'test-mac-20']);
    expect(out.jobs['test-mac-20'].docker).toEqual([{ image: 'cimg/node:20' }]);
    const report = (out.workflows.main as { jobs: Array<Record<string, { requires?: string[] }>> }).jobs.find((j) => typeof j === 'object' && 'report' in j);
    expect(report?.report.requires?.sort()).toEqual(['test-linux-18', 'test-linux-20', 'test-mac-20']);
  });

  it('keeps floats as CircleCI prints them: `18.0` stays 18.0 in the output, the environment and interpolated text', async () => {
    const source = `version: 2.1
parameters: {runtime: {type: enum, enum: [18.0, 20.0], default: 18.0}}
jobs:
  build:
    parameters: {node: {type: string, default: "18"}, scale: {type: string, default: 2.0}}
    docker: [{image: cimg/base:stable}]
    environment: {NODE_VERSION: 18.0, RATIO: 1e3, SMALL: 0.0005, PLAIN: 2.5}
    steps: [{run: "echo << parameters.scale >>"}]
workflows: {main: {jobs: [build]}}
`;
    const r = await processConfig(source, { fileName: 'config.yml' });
    expect(r.ok && r.yaml).toContain('- NODE_VERSION: 18.0\n');
    expect(r.ok && r.yaml).toContain('- RATIO: 1000.0\n');
    expect(r.ok && r.yaml).toContain('- SMALL: 5.0E-4\n');
    expect(r.ok && r.yaml).toContain('- PLAIN: 2.5\n');
    const compiled = await compileConfig(source, { fileName: 'config.yml' });
    const job = compiled.ok ? compiled.plan.workflows[0].jobs[0] : undefined;
    expect(job?.environment).toEqual({ NODE_VERSION: '18.0', RATIO: '1000.0', SMALL: '5.0E-4', PLAIN: '2.5' });
    expect(job?.steps[0]).toMatchObject({ command: 'echo 2.0' });
    // The plan is plain data (it crosses worker threads): the float parameter is its number there.
    expect(compiled.ok && compiled.plan.pipelineParameters).toEqual({ runtime: 18 });
    expect(compiled.ok && structuredClone(compiled.plan)).toStrictEqual(compiled.ok && compiled.plan);
  });
});
