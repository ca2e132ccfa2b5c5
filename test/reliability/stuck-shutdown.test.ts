import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDevServer, waitFor } from '../support/dev-server';
import { startHarness, trigger, type Harness } from './support';

const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo hi }]
workflows:
  main:
    jobs: [build]
`;

describe('reliability: stopping slipway dev while a handler is stuck', () => {
  let h: Harness;
  beforeAll(async () => {
    // Every queue handler holds its messages for ever; stopping gives them one second.
    h = await startHarness({ SLIPWAY_QUEUE_FAULTS: 'hang', SLIPWAY_SHUTDOWN_GRACE_SECONDS: '1' }, CONFIG);
  }, 90_000);
  afterAll(async () => h?.server.kill());

  it('ends on SIGTERM after the grace period, releasing the data folder for the next start', async () => {
    const [p] = await trigger(h, 1);
    await waitFor(async () => (/\[triggers\] hang fault/.test(h.server.output()) ? true : undefined), 'the triggers handler to be stuck', 30_000);
    const exit = new Promise<number | null>((resolve) => h.server.process.once('exit', (code) => resolve(code)));
    h.server.process.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(h.server.output()).toContain('queue consumer(s) still busy after 1 s; leaving their work to the reconciler.');
    expect(existsSync(join(h.server.dataDir, 'slipway.pid'))).toBe(false);

    const again = await startDevServer({ dataDir: h.server.dataDir });
    try {
      const pipeline = await again.api('GET', `/api/v2/pipeline/${p.id}`);
      expect(pipeline.status).toBe(200);
      expect(pipeline.body.number).toBe(p.number);
    } finally {
      await again.stop();
    }
  }, 90_000);
});
