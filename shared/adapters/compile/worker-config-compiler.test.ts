import { doublingCommands, parameterChain } from '../../../test/support/hostile-configs';
import type { OrbResolver } from '../../ports/orb-resolver';
import { WorkerConfigCompiler } from './worker-config-compiler';

const ORB = `version: 2.1
commands:
  hello:
    steps: [{ run: echo hello from the orb }]
`;

const USES_ORB = `version: 2.1
orbs:
  greet: acme/greet@1.0.0
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps: [greet/hello]
workflows:
  main:
    jobs: [build]
`;

describe('WorkerConfigCompiler', () => {
  const asked: string[] = [];
  const orbs: OrbResolver = { resolve: async (ref) => (asked.push(`${ref.namespace}/${ref.name}@${ref.version}`), ref.name === 'greet' ? ORB : undefined) };
  const compilers: WorkerConfigCompiler[] = [];
  const make = (o: ConstructorParameters<typeof WorkerConfigCompiler>[0] = {}) => {
    const c = new WorkerConfigCompiler({ orbResolver: orbs, ...o });
    compilers.push(c);
    return c;
  };
  afterAll(async () => Promise.all(compilers.map((c) => c.close())));

  it('compiles in a worker, resolving registry orbs through the parent thread', async () => {
    const r = await make().compile(USES_ORB);
    expect(asked).toContain('acme/greet@1.0.0');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.plan.workflows[0].jobs[0].steps.map((s) => (s as { command?: string }).command)).toContain('echo hello from the orb');
  }, 30_000);

  it('answers the compile endpoint body with the processed config', async () => {
    const r = await make().compileWithDefaults({ config_yaml: USES_ORB });
    expect(r.valid).toBe(true);
    expect(r['output-yaml']).toContain('echo hello from the orb');
  }, 30_000);

  it('refuses an expansion bomb with the limit it hit, and keeps working', async () => {
    const c = make();
    const r = await c.compileWithDefaults({ config_yaml: doublingCommands(30) });
    expect(r.valid).toBe(false);
    expect(r.errors[0]).toMatchObject({ code: 'limit', message: expect.stringContaining('maxStepsPerJob') });
    expect((await c.compile(USES_ORB)).ok).toBe(true);
  }, 30_000);

  it('terminates a worker past its time cap and refuses the config', async () => {
    const c = make({ timeoutMs: 1 });
    const r = await c.compile(USES_ORB, { fileName: 'x.yml' });
    expect(r).toEqual({
      ok: false,
      problems: [
        expect.objectContaining({
          file: 'x.yml',
          code: 'limit',
          message: 'Compiling the config took longer than 1 ms and was stopped (limit compileWorkerTimeoutMs = 1).',
        }),
      ],
    });
  }, 30_000);

  it('stops a worker that outgrows its heap cap and refuses the config', async () => {
    const c = make({ memoryMb: 16, timeoutMs: 60_000 });
    const unbounded = { limits: { maxExpandedBytes: Number.MAX_SAFE_INTEGER, compileTimeBudgetMs: Number.MAX_SAFE_INTEGER } };
    const r = await c.compile(parameterChain(60), unbounded);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ code: 'limit', message: expect.stringContaining('limit compileWorkerMemoryMb = 16') });
  }, 60_000);

  it('runs no more workers at once than asked, queueing the rest', async () => {
    const c = make({ workers: 1 });
    const results = await Promise.all([c.compile(USES_ORB), c.compile(USES_ORB), c.compile(USES_ORB)]);
    expect(results.every((r) => r.ok)).toBe(true);
  }, 30_000);
});
