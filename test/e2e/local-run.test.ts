import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRepo } from '../support/git-repo';
import { runSlipway } from '../support/slipway-cli';

jest.setTimeout(180_000);

const JOBS = `version: 2.1
executors:
  base: { docker: [{ image: cimg/base:stable }] }
jobs:
  build:
    executor: base
    steps:
      - checkout
      - restore_cache: { keys: ['deps-v1-{{ checksum "deps.txt" }}'] }
      - run:
          name: Install
          command: |
            mkdir -p out
            if [ -f deps/installed ]; then echo hit > out/cache.txt; else echo miss > out/cache.txt; mkdir -p deps; echo yes > deps/installed; fi
      - save_cache: { key: 'deps-v1-{{ checksum "deps.txt" }}', paths: [deps] }
      - run: echo "built by build" > out/result.txt
      - persist_to_workspace: { root: out, paths: [result.txt] }
      - store_artifacts: { path: out, destination: out }
  test:
    executor: base
    parallelism: 2
    steps:
      - attach_workspace: { at: ws }
      - run: echo "node $CIRCLE_NODE_INDEX of $CIRCLE_NODE_TOTAL reads $(cat ws/result.txt)"; test "$(cat ws/result.txt)" = "built by build"
  flavoured:
    executor: base
    parameters: { flavour: { type: string } }
    steps: [{ run: echo "flavour << parameters.flavour >>" }]
`;

const WORKFLOW = `workflows:
  main:
    jobs:
      - build
      - test: { requires: [build] }
      - hold: { type: approval, requires: [test] }
      - flavoured: { requires: [hold], matrix: { parameters: { flavour: [sweet, sour] } } }
`;

/** Only in the working tree (never committed): a failing job with an on_fail step. */
const BROKEN = `      - broken: { requires: [build] }
`;
const BROKEN_JOB = `  broken:
    executor: base
    steps:
      - run: { name: Fail on purpose, command: 'echo "about to fail"; exit 3' }
      - run: { name: Report the failure, command: echo "on_fail ran", when: on_fail }
      - run: { name: Never runs, command: echo never }
`;

interface Summary {
  pipeline: { state: string; errors: string[] };
  dirty: boolean;
  workflows: Array<{ name: string; status: string }>;
  jobs: Array<{
    job: string;
    status: string;
    artifacts?: string;
    steps: Array<{ name: string; task: number; status: string }>;
    failedSteps: Array<{ name: string; output: string }>;
  }>;
  exitCode: number;
}

const slipwayRun = (cwd: string, args: string[]) => runSlipway(cwd, ['run', ...args], { SLIPWAY_TOKEN: '' });

const job = (s: Summary, name: string) => s.jobs.find((j) => j.job === name)!;

describe('slipway run', () => {
  const repo = createTestRepo({ '.circleci/config.yml': JOBS + WORKFLOW, 'deps.txt': 'left-pad 1.0\n' });
  const data = mkdtempSync(join(tmpdir(), 'slipway-run-data-'));

  it('runs the working tree, uncommitted config included, as the server would', async () => {
    writeFileSync(join(repo.dir, '.circleci', 'config.yml'), JOBS + BROKEN_JOB + WORKFLOW + BROKEN);
    const r = await slipwayRun(repo.dir, ['--json', '--approve', 'all', '--data', data]);
    const s = JSON.parse(r.out) as Summary;
    expect(r.code).toBe(1);
    expect(s.exitCode).toBe(1);
    expect(s.dirty).toBe(true);
    expect(s.workflows).toEqual([{ name: 'main', status: 'failed' }]);
    expect(Object.fromEntries(s.jobs.map((j) => [j.job, j.status]))).toEqual({
      build: 'success',
      test: 'success',
      hold: 'success',
      'flavoured-sweet': 'success',
      'flavoured-sour': 'success',
      broken: 'failed',
    });
    expect(
      job(s, 'test')
        .steps.filter((x) => x.name.startsWith('echo "node'))
        .map((x) => [x.task, x.status]),
    ).toEqual([
      [0, 'success'],
      [1, 'success'],
    ]);
    const broken = job(s, 'broken');
    expect(broken.steps.map((x) => [x.name, x.status])).toEqual([
      ['Spin up environment', 'success'],
      ['Fail on purpose', 'failed'],
      ['Report the failure', 'success'],
    ]);
    expect(broken.failedSteps).toEqual([expect.objectContaining({ name: 'Fail on purpose', output: expect.stringContaining('about to fail') })]);
    const artifacts = job(s, 'build').artifacts!;
    expect(readFileSync(join(artifacts, '0', 'out', 'cache.txt'), 'utf8').trim()).toBe('miss');
    expect(readFileSync(join(artifacts, '0', 'out', 'result.txt'), 'utf8').trim()).toBe('built by build');
  });

  it('hits the cache kept in the data folder on a second run, and runs only the selected job', async () => {
    const r = await slipwayRun(repo.dir, ['--json', '--data', data, '--job', 'build']);
    const s = JSON.parse(r.out) as Summary;
    expect(r.code).toBe(0);
    expect(s.jobs.map((j) => [j.job, j.status])).toEqual([['build', 'success']]);
    expect(readFileSync(join(job(s, 'build').artifacts!, '0', 'out', 'cache.txt'), 'utf8').trim()).toBe('hit');
  });

  it('prints plain progress lines, failed output and the final table when stdout is not a terminal', async () => {
    const r = await slipwayRun(repo.dir, ['--approve', 'all', '--workflow', 'main', '--job', 'broken']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^Running the working tree \(uncommitted changes on [0-9a-f]{12}/);
    expect(r.out).toContain('[main/broken] failed');
    expect(r.out).toContain('--- main/broken: step "Fail on purpose" failed ---\nabout to fail\n');
    expect(r.out).toMatch(/JOB +STATUS +DURATION +ARTIFACTS\nmain\/build +success .*\nmain\/broken +failed /);
    expect(r.out).toContain('Failed: main (failed).');
  });

  it('continues a setup config to the config its setup job generates', async () => {
    const setup = createTestRepo({
      '.circleci/config.yml': `version: 2.1
setup: true
jobs:
  generate:
    docker: [{ image: cimg/base:stable }]
    steps:
      - checkout
      - run: |
          node -e '
            const body = JSON.stringify({ "continuation-key": process.env.CIRCLE_CONTINUATION_KEY, configuration: require("fs").readFileSync(".circleci/continue.yml", "utf8"), parameters: { who: "setup" } });
            fetch(process.env.CIRCLECI_API_HOST + "/api/v2/pipeline/continue", { method: "POST", headers: { "content-type": "application/json" }, body }).then(async (r) => { console.log(r.status, await r.text()); process.exit(r.ok ? 0 : 1); });
          '
workflows:
  setup:
    jobs: [generate]
`,
      '.circleci/continue.yml': `version: 2.1
parameters:
  who: { type: string, default: nobody }
jobs:
  greet:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: test "<< pipeline.parameters.who >>" = setup }]
workflows:
  continued:
    jobs: [greet]
`,
    });
    const r = await slipwayRun(setup.dir, ['--json']);
    const s = JSON.parse(r.out) as Summary;
    expect(s.workflows).toEqual([
      { name: 'setup', status: 'success' },
      { name: 'continued', status: 'success' },
    ]);
    expect(r.code).toBe(0);
    expect(s.dirty).toBe(false);
  });

  it('packs a .circleci/config/ folder, as the server does for a project with config_folder', async () => {
    const folder = createTestRepo({
      '.circleci/config/@config.yml': 'version: 2.1\nworkflows:\n  main:\n    jobs: [build]\n',
      '.circleci/config/jobs/build.yml': 'docker: [{ image: cimg/base:stable }]\nsteps: [{ run: echo packed }]\n',
    });
    const r = await slipwayRun(folder.dir, ['--json']);
    const s = JSON.parse(r.out) as Summary;
    expect(s.jobs.map((j) => [j.job, j.status])).toEqual([['build', 'success']]);
    expect(r.code).toBe(0);
  });

  it('refuses to run outside a git working tree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-not-git-'));
    const r = await slipwayRun(dir, []);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is not in a git working tree');
    expect(existsSync(join(dir, '.slipway'))).toBe(false);
  });
});
