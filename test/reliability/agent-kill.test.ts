import { waitFor } from '../support/dev-server';
import { StepGate } from './gate';
import { jobSteps, settle, startHarness, trigger, type Harness } from './support';

const LEASE_SECONDS = 20;
const CRON_SECONDS = 2;
const gate = new StepGate();
const CONFIG = `version: 2.1
jobs:
  victim:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: ${JSON.stringify(gate.command())}
workflows:
  main:
    jobs: [victim]
`;

describe('reliability: the agent killed with SIGKILL mid-step', () => {
  let h: Harness;
  beforeAll(async () => {
    // The lease must outlast the agent's 15 s heartbeat period; the reaper runs every CRON_SECONDS.
    h = await startHarness({ SLIPWAY_LEASE_SECONDS: String(LEASE_SECONDS), SLIPWAY_CRON_SECONDS: String(CRON_SECONDS) }, CONFIG);
  }, 90_000);
  afterAll(async () => {
    for (const p of [1, 2]) gate.open(p);
    await h?.server.stop();
  });

  it('notices the silent agent within the lease and retries the task once, which then succeeds', async () => {
    const [pipeline] = await trigger(h, 1);
    gate.kill(await gate.waitForAttempt(1, 1));
    const killedAt = Date.now();
    await gate.waitForAttempt(1, 2, (LEASE_SECONDS + 3 * CRON_SECONDS + 20) * 1000);
    expect(Date.now() - killedAt).toBeLessThan((LEASE_SECONDS + 3 * CRON_SECONDS + 15) * 1000);
    gate.open(1);
    const [outcome] = await settle(h, [pipeline]);
    expect(outcome.workflows[0].status).toBe('success');
    expect(outcome.jobs).toEqual([expect.objectContaining({ name: 'victim', status: 'success' })]);
    const steps = await jobSteps(h, outcome.jobs[0].job_number);
    expect(steps.map((s) => s.actions.length)).toEqual(steps.map(() => 1));
    expect(
      steps
        .map((s) => s.actions[0].output)
        .join('')
        .split('gate passed').length - 1,
    ).toBe(1);
  }, 150_000);

  it('fails the job as infrastructure_fail when the retried attempt is killed too', async () => {
    const [pipeline] = await trigger(h, 1);
    gate.kill(await gate.waitForAttempt(2, 1));
    gate.kill(await gate.waitForAttempt(2, 2, (LEASE_SECONDS + 3 * CRON_SECONDS + 20) * 1000));
    const [outcome] = await settle(h, [pipeline], (LEASE_SECONDS + 3 * CRON_SECONDS + 30) * 1000);
    expect(outcome.jobs).toEqual([expect.objectContaining({ name: 'victim', status: 'infrastructure_fail' })]);
    expect(outcome.workflows[0].status).toBe('failed');
    expect(gate.attempts(2)).toHaveLength(2);
    await waitFor(async () => ((await h.server.api('GET', '/healthz', undefined, null)).status === 200 ? true : undefined), 'healthz');
  }, 150_000);
});
