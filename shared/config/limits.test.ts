import fc from 'fast-check';
import { anchoredSteps, commandCycle, doublingCommands, manyWorkflows, parameterChain, wideMatrix } from '../../test/support/hostile-configs';
import { expansionBomb } from '../../test/support/hostile-config-arbitrary';
import { compileConfig } from './compile';
import { CompileBudget, ConfigLimitError, defaultCompileLimits } from './limits';
import { processConfig } from './process-config';
import { Problems } from './problems';
import { parseYaml } from './yaml-parse';

const refusal = async (source: string, options = {}) => {
  const r = await compileConfig(source, options);
  if (r.ok) throw new Error('expected the config to be refused');
  return r.problems;
};

const steps = (n: number) => `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
${Array.from({ length: n }, (_, i) => `      - run: echo ${i}`).join('\n')}
workflows:
  main:
    jobs: [build]
`;

describe('compile limits', () => {
  it('refuses 30 commands each invoking the previous twice, naming maxStepsPerJob at the job entry', async () => {
    const [p] = await refusal(doublingCommands(30));
    expect(p).toMatchObject({ code: 'limit', line: 5, message: expect.stringContaining('limit maxStepsPerJob = 1,000') });
  });

  it('refuses a doubling chain that produces no steps by the number of steps visited', async () => {
    const [p] = await refusal(doublingCommands(30, 2, '- when: { condition: false, steps: [{ run: x }] }'));
    expect(p.message).toContain('limit maxStepExpansions');
  });

  it('refuses a 5 × 10 matrix before expanding it, at the workflow entry', async () => {
    const [p] = await refusal(wideMatrix(5, 10));
    expect(p).toMatchObject({ code: 'limit', line: 15, column: 9 });
    expect(p.message).toMatch(/Workflow "main" would have 100,000 jobs.*limit maxJobsPerWorkflow = 2,000/);
  });

  it('refuses more jobs across workflows than maxJobsPerPipeline', async () => {
    const [p] = await refusal(manyWorkflows(3, 1_000), { limits: { maxJobsPerPipeline: 2_500 } });
    expect(p.message).toMatch(/The pipeline would have 3,000 jobs.*limit maxJobsPerPipeline = 2,500/);
  });

  it('names a command that invokes itself, at the invocation', async () => {
    const [p] = await refusal(commandCycle(1));
    expect(p).toMatchObject({ line: 4, column: 13, message: 'Command "c0" invokes itself: c0 → c0.' });
  });

  it('names every command of a longer cycle in order', async () => {
    const [p] = await refusal(commandCycle(3));
    expect(p.message).toBe('Command "c0" invokes itself: c0 → c1 → c2 → c0.');
  });

  it('refuses a string parameter doubled down a chain of commands by maxExpandedBytes', async () => {
    const [p] = await refusal(parameterChain(40));
    expect(p.message).toContain('limit maxExpandedBytes');
  });

  it('refuses step lists built from anchors and handed to a command twice', async () => {
    const [p] = await refusal(anchoredSteps(6, 8));
    expect(p.message).toContain('limit maxStepsPerJob');
  });

  it('refuses nesting deeper than maxCommandDepth', async () => {
    const [p] = await refusal(doublingCommands(12, 1), { limits: { maxCommandDepth: 10 } });
    expect(p.message).toMatch(/nested more than 10 levels.*limit maxCommandDepth = 10/);
  });

  it('accepts a job at its step limit and refuses one step more', async () => {
    expect((await compileConfig(steps(4), { limits: { maxStepsPerJob: 4 } })).ok).toBe(true);
    const [p] = await refusal(steps(5), { limits: { maxStepsPerJob: 4 } });
    expect(p).toMatchObject({ line: 10, message: expect.stringContaining('job "build" in workflow "main" expands to more than 4 steps') });
  });

  it('counts the steps of all jobs against maxStepsPerConfig', async () => {
    const [p] = await refusal(manyWorkflows(1, 3), { limits: { maxStepsPerConfig: 2 } });
    expect(p.message).toContain('limit maxStepsPerConfig = 2');
  });

  it('refuses a processed config larger than maxProcessedBytes', async () => {
    const r = await processConfig(steps(50), { limits: { maxProcessedBytes: 500 } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0].message).toMatch(/The processed config is [\d,]+ bytes.*limit maxProcessedBytes = 500/);
  });

  it('stops once the time budget is spent', () => {
    let now = 0;
    const problems = new Problems(parseYaml('a: 1', 'c.yml').map);
    const budget = new CompileBudget(problems, { compileTimeBudgetMs: 100 }, () => now);
    budget.checkTime();
    now = 101;
    expect(() => budget.checkTime()).toThrow(ConfigLimitError);
    expect(() => budget.checkTime()).toThrow(/Compiling the config takes too long \(limit compileTimeBudgetMs = 100\)/);
  });

  it('refuses every generated expansion bomb with a limit problem, never an exception', async () => {
    await fc.assert(
      fc.asyncProperty(expansionBomb, async (source) => {
        const problems = await refusal(source);
        expect(problems[0].code).toBe('limit');
      }),
      { numRuns: 25 },
    );
  }, 60_000);

  it('keeps every default limit a positive number', () => {
    for (const v of Object.values(defaultCompileLimits)) expect(v).toBeGreaterThan(0);
  });
});
