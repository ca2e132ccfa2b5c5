import type { JobSpec } from '../shared/model/job-spec';
import { FakeClock } from '../test/support/fake-clock';
import type { StepExecutor } from './executors/executor';
import type { StepLogStream } from './log-stream';
import { SshSteps } from './ssh-steps';
import { StepReporter, type ReportApi } from './step-reporter';

const MIN = 60_000;
const JOB = { projectSlug: 'gh/acme/app', number: 12 } as JobSpec['job'];

/**
 * A Fargate job rerun with SSH, as `runTask` wires it: the "Wait for SSH sessions" step of the container
 * executor (users get in with ECS Exec, which the agent cannot see) and the step reporter, whose heartbeat
 * replies say `sshActive` while the control plane sees an ECS Exec session open (`sessionOpen`). One fake clock
 * drives both; no real time passes.
 */
function fargateJob() {
  const clock = new FakeClock();
  const state = { sessionOpen: false, lastActiveReply: -1 };
  const reply = () => {
    if (!state.sessionOpen) return { cancel: false };
    state.lastActiveReply = clock.now();
    return { cancel: false, sshActive: true };
  };
  const api: ReportApi = { steps: async () => reply(), heartbeat: async () => reply(), logUrls: async () => [] };
  const executor = { name: 'container' } as StepExecutor;
  const ssh = new SshSteps({ idleSeconds: 600, maxSeconds: 7200, authorizedKeys: [] }, {}, '/tmp', executor, JOB, undefined, clock);
  const reporter = new StepReporter(api, {
    heartbeatMs: 15_000,
    delayMs: 2000,
    onCancel: () => undefined,
    onSshActive: () => ssh.sessionSeenElsewhere(),
    timers: clock,
  });
  const lines: string[] = [];
  const log = { note: (l: string) => lines.push(l) } as unknown as StepLogStream;
  const run = (step: typeof ssh.enableStep) => {
    const result: { endedAt?: number } = {};
    const outcome = ssh.run(step, log, new AbortController().signal).then((o) => ((result.endedAt = clock.now()), o));
    return { result, outcome };
  };
  return { clock, state, ssh, reporter, lines, run };
}

describe('the idle wait of a Fargate job rerun with SSH (ECS Exec sessions reported by heartbeats)', () => {
  it('says the job follows ECS Exec sessions, stays up past 10 min while one is open, and ends 10 min after the last report', async () => {
    const job = fargateJob();
    await job.run(job.ssh.enableStep).outcome;
    expect(job.lines.join('\n')).toContain('stays up until 10 min after the last ECS Exec session closes, 2 h at most');
    job.state.sessionOpen = true;
    const wait = job.run(job.ssh.waitStep);
    await job.clock.advance(30 * MIN);
    expect(wait.result.endedAt).toBeUndefined();

    job.state.sessionOpen = false;
    const last = job.state.lastActiveReply;
    expect(last).toBeGreaterThan(29 * MIN);
    await job.clock.advance(last + 10 * MIN - 1 - job.clock.now());
    expect(wait.result.endedAt).toBeUndefined();
    await job.clock.advance(1);
    expect(wait.result.endedAt).toBe(last + 10 * MIN);
    expect(await wait.outcome).toEqual({ status: 'success', exitCode: 0 });
    expect(job.lines).toContain('No SSH session for the idle timeout: ending the job.');
    job.reporter.stop();
  });

  it('ends 10 min after the steps when no session is ever reported', async () => {
    const job = fargateJob();
    await job.clock.advance(5 * MIN);
    const wait = job.run(job.ssh.waitStep);
    await job.clock.advance(10 * MIN);
    expect(wait.result.endedAt).toBe(15 * MIN);
    job.reporter.stop();
  });

  it('ends at the 2 h limit even while a session stays open', async () => {
    const job = fargateJob();
    job.state.sessionOpen = true;
    const wait = job.run(job.ssh.waitStep);
    await job.clock.advance(120 * MIN - 1);
    expect(wait.result.endedAt).toBeUndefined();
    await job.clock.advance(1);
    expect(wait.result.endedAt).toBe(120 * MIN);
    await wait.outcome;
    expect(job.lines).toContain('The SSH time limit is reached: ending the job.');
    job.reporter.stop();
  });
});
