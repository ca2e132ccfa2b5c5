import fc from 'fast-check';
import { anchoredSteps, commandCycle, doublingCommands, parameterChain, wideMatrix } from '../support/hostile-configs';
import { waitFor } from '../support/dev-server';
import { expansionBomb } from '../support/hostile-config-arbitrary';
import { startHarness, trigger, type Harness } from './support';

/** Polls /healthz until stopped; resolves every status it got. */
function watchHealth(h: Harness): { stop(): Promise<number[]> } {
  const statuses: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running)
      statuses.push(
        await h.server.api('GET', '/healthz', undefined, null).then(
          (r) => r.status,
          () => 0,
        ),
      );
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return statuses;
    },
  };
}

const compile = (h: Harness, config: string) => h.server.api('POST', '/api/v2/compile-config-with-defaults', { config_yaml: config });

describe('reliability: hostile configs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, doublingCommands(30));
  }, 90_000);
  afterAll(async () => h?.server.stop());

  it.each([
    ['30 commands each invoking the previous twice', 'maxStepsPerJob', doublingCommands(30)],
    ['a 5 × 10 matrix (100,000 jobs)', 'maxJobsPerWorkflow', wideMatrix(5, 10)],
    ['a string parameter doubled down 40 commands', 'maxExpandedBytes', parameterChain(40)],
    ['anchored step lists handed to a command twice', 'maxStepsPerJob', anchoredSteps(6, 8)],
  ])(
    'refuses %s through the compile endpoint with 400 naming %s, /healthz answering throughout',
    async (_what, limit, config) => {
      const health = watchHealth(h);
      const res = await compile(h, config);
      const statuses = await health.stop();
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(new RegExp(`^config\\.yml:\\d+:\\d+: .*\\(limit ${limit} = `));
      expect(res.body.valid).toBe(false);
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses.every((s) => s === 200)).toBe(true);
    },
    30_000,
  );

  it('refuses a command that invokes itself with 400 naming the cycle at its position', async () => {
    const res = await compile(h, commandCycle(1));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^config\.yml:4:13: Command "c0" invokes itself: c0 → c0\./);
  }, 30_000);

  it('ends a pipeline whose config is a bomb errored, naming the limit', async () => {
    const [p] = await trigger(h, 1);
    const errored = await waitFor(
      async () => {
        const r = await h.server.api('GET', `/api/v2/pipeline/${p.id}`);
        return r.body.state === 'errored' ? r.body : undefined;
      },
      'the pipeline to end errored',
      30_000,
    );
    expect(errored.errors).toEqual([expect.objectContaining({ type: 'config', message: expect.stringContaining('(limit maxStepsPerJob = 1,000)') })]);
    expect((await h.server.api('GET', '/healthz', undefined, null)).status).toBe(200);
  }, 60_000);

  it('refuses every generated expansion bomb with a limit while /healthz keeps answering', async () => {
    const health = watchHealth(h);
    const run = () =>
      fc.assert(
        fc.asyncProperty(expansionBomb, async (config) => {
          const res = await compile(h, config);
          expect(res.status).toBe(400);
          expect(res.body.message).toMatch(/\(limit \w+ = [\d,]+\)|invokes itself/);
        }),
        { numRuns: 12 },
      );
    let statuses: number[];
    try {
      await run();
    } finally {
      statuses = await health.stop();
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
  }, 120_000);
});
