import { startDevServer } from '../support/dev-server';
import { StepGate } from './gate';
import { expectIntact, settle, startHarness, trigger, type Harness } from './support';

const gate = new StepGate();
const CONFIG = `version: 2.1
jobs:
  first:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo "marker first pipeline-<< pipeline.number >>"
      - run: ${JSON.stringify(gate.command())}
  second:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo "marker second pipeline-<< pipeline.number >>"
workflows:
  main:
    jobs:
      - first
      - second:
          requires: [first]
`;

describe('reliability: the local runtime killed (SIGKILL) and restarted mid-workflow', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, CONFIG);
  }, 90_000);
  afterAll(async () => {
    for (const p of [1, 2, 3, 4]) gate.open(p);
    await h?.server.stop();
  });

  it('finishes every in-flight workflow after a restart with the same data folder, creating nothing twice', async () => {
    const triggered = await trigger(h, 2);
    await Promise.all([gate.waitForAttempt(1, 1), gate.waitForAttempt(2, 1)]);
    // Killed right after a trigger's 201: its message dies with the in-memory queue (or its processing is cut
    // short), and the reconciler re-sends it once the pipeline has been pending for a minute.
    triggered.push(...(await trigger(h, 1)));
    await h.server.kill();
    const port = new URL(h.server.url).port;
    // Same port, so the agents that survived the crash find the control plane again.
    h.server = await startDevServer({ dataDir: h.server.dataDir, args: ['--port', port], env: { SLIPWAY_CRON_SECONDS: '2' } });
    for (const p of [1, 2, 3, 4]) gate.open(p);
    triggered.push(...(await trigger(h, 1)));
    const outcomes = await settle(h, triggered, 150_000);
    await expectIntact(h, triggered, outcomes, { jobNames: ['first', 'second'] });
  }, 210_000);
});
