import { DockerExecutor } from '../executors/docker';
import type { StepContext, StepOutcome } from './context';

/**
 * The first step of a docker job, as CircleCI shows it: "Spin up environment" pulls the images and starts the
 * containers (docker executor on a local engine), or says which image the host does not use. Not a config step:
 * the agent adds it, and it always runs.
 */
export interface SpinUpEnvironmentStep {
  type: 'spin_up_environment';
  name: 'Spin up environment';
  when: 'always';
}

export const spinUpEnvironment = (): SpinUpEnvironmentStep => ({ type: 'spin_up_environment', name: 'Spin up environment', when: 'always' });

/** Starts the job's containers; an image that cannot be pulled or a container that cannot start is `could_not_start`. */
export async function spinUpEnvironmentStep(_step: SpinUpEnvironmentStep, ctx: Pick<StepContext, 'executor' | 'log' | 'spec'>): Promise<StepOutcome> {
  if (ctx.executor instanceof DockerExecutor) {
    const started = await ctx.executor
      .setUp((d) => ctx.log.write(d))
      .then(
        () => true,
        (e: Error) => (ctx.log.note(`Error: ${e.message}`), false),
      );
    return started ? { status: 'success', exitCode: 0 } : { status: 'failed', exitCode: null, reason: 'could_not_start' };
  }
  ctx.log.note(`Running on the host: Docker image ${ctx.spec.plan.executor.images[0]?.image ?? 'unknown'} is not used (no Docker engine is reachable).`);
  return { status: 'success', exitCode: 0 };
}
