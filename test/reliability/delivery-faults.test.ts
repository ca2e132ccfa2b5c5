import { createLedger, expectIntact, fanOutConfig, settle, startHarness, trigger, type Harness } from './support';

const WIDTH = 3;
const JOBS = ['start', ...Array.from({ length: WIDTH }, (_, i) => `fan-${i + 1}`), 'end'];

/**
 * Each case runs real pipelines through `slipway dev` while a fault is injected into every queue consumer or
 * every AWS call of the control plane, then checks that nothing was lost or done twice.
 */
describe.each([
  ['every queue message delivered twice', { SLIPWAY_QUEUE_FAULTS: 'duplicate' }],
  ['messages reordered', { SLIPWAY_QUEUE_FAULTS: 'reorder' }],
  ['a consumer crashing after its first write, then retried', { SLIPWAY_QUEUE_FAULTS: 'crash' }],
  [
    'transient DynamoDB/SQS/S3 errors and throttling',
    {
      SLIPWAY_AWS_FAULTS: JSON.stringify({
        seed: 8,
        rate: 0.1,
        targets: ['DynamoDB', 'SQS:SendMessage', 'SQS:SendMessageBatch', 'SQS:DeleteMessageBatch', 'S3'],
        kinds: ['throttle', 'transient'],
      }),
    },
  ],
  [
    // The write takes effect but its response is lost, so the SDK sends it again (at-least-once writes).
    'lost responses to DynamoDB writes and SQS sends',
    { SLIPWAY_AWS_FAULTS: JSON.stringify({ seed: 3, rate: 0.05, targets: ['DynamoDB', 'SQS:SendMessage', 'SQS:SendMessageBatch'], kinds: ['lost-response'] }) },
  ],
])('reliability: %s', (_name, env) => {
  let h: Harness;
  const ledger = createLedger();
  beforeAll(async () => {
    h = await startHarness(env, fanOutConfig(WIDTH, ledger.file));
  }, 90_000);
  afterAll(async () => h?.server.stop());

  it('finishes every pipeline once, with every job, number, step result and log line exactly once', async () => {
    const triggered = await trigger(h, 3);
    const outcomes = await settle(h, triggered);
    await expectIntact(h, triggered, outcomes, { jobNames: JOBS, ledger: ledger.lines() });
  }, 150_000);
});
