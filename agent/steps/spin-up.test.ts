import type { JobSpec } from '../../shared/model/job-spec';
import { DockerExecutor } from '../executors/docker';
import { HostExecutor } from '../executors/host';
import type { StepLogStream } from '../log-stream';
import { failureReasonOf, type StepOutcome } from './context';
import { spinUpEnvironment, spinUpEnvironmentStep } from './spin-up';

const spec = { plan: { executor: { type: 'docker', resourceClass: 'medium', images: [{ image: 'cimg/node:22.0', environment: {} }] } } } as unknown as JobSpec;

/** A docker executor whose engine (the true external edge) answers `setUp` with `result`. */
function dockerExecutor(result: () => Promise<void>): DockerExecutor {
  const executor = Object.create(DockerExecutor.prototype) as DockerExecutor;
  executor.setUp = async (onOutput) => (onOutput(Buffer.from('Pulling image cimg/node:22.0\n')), result());
  return executor;
}

async function spinUp(executor: DockerExecutor | HostExecutor): Promise<{ outcome: StepOutcome; out: string }> {
  let out = '';
  const log = { write: (d: Buffer) => void (out += d.toString()), note: (m: string) => void (out += `${m}\n`) } as unknown as StepLogStream;
  const outcome = await spinUpEnvironmentStep(spinUpEnvironment(), { executor, log, spec });
  return { outcome, out };
}

describe('the spin_up_environment step', () => {
  it('is its own step kind, run whatever happened before', () => {
    expect(spinUpEnvironment()).toEqual({ type: 'spin_up_environment', name: 'Spin up environment', when: 'always' });
  });

  it('starts the containers of a docker job, with the engine output in the step', async () => {
    const { outcome, out } = await spinUp(dockerExecutor(async () => undefined));
    expect(outcome).toEqual({ status: 'success', exitCode: 0 });
    expect(out).toBe('Pulling image cimg/node:22.0\n');
  });

  it('fails as could_not_start when the environment does not come up, saying why', async () => {
    const { outcome, out } = await spinUp(dockerExecutor(async () => Promise.reject(new Error('docker pull cimg/node:22.0 failed (exit code 1)'))));
    expect(outcome).toEqual({ status: 'failed', exitCode: null, reason: 'could_not_start' });
    expect(failureReasonOf(outcome)).toBe('could_not_start');
    expect(out).toContain('Error: docker pull cimg/node:22.0 failed (exit code 1)');
  });

  it('says on the host which image it does not use', async () => {
    const { outcome, out } = await spinUp(new HostExecutor('/tmp/unused'));
    expect(outcome.status).toBe('success');
    expect(out).toBe('Running on the host: Docker image cimg/node:22.0 is not used (no Docker engine is reachable).\n');
  });
});

describe('failure reasons of step outcomes', () => {
  it.each<[StepOutcome, string | undefined]>([
    [{ status: 'success', exitCode: 0 }, undefined],
    [{ status: 'failed', exitCode: 1 }, 'failed'],
    [{ status: 'timedout', exitCode: null }, 'timed_out'],
    [{ status: 'canceled', exitCode: null }, 'canceled'],
    [{ status: 'failed', exitCode: null, reason: 'infrastructure' }, 'infrastructure'],
  ])('%j → %s', (outcome, reason) => {
    expect(failureReasonOf(outcome)).toBe(reason);
  });
});
