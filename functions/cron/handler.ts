import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { reconcile } from '../../shared/services/jobs/reconcile';
import { fireDueSchedules } from '../../shared/services/schedules/schedules';
import { scaleInIdleMachines } from '../../shared/services/runners/machine-pool';
import { handleSpotInterruption, isSpotInterruptionWarning } from '../../shared/services/jobs/spot-interruption';
import { handleEcsTaskStopped, handleInstanceTerminating, isEcsTaskStopped, isInstanceTerminating } from '../../shared/services/jobs/compute-events';
import type { DepsProvider } from '../assemble-deps';
import { forgetMachineInstances, handleInstanceLaunching, isInstanceLaunching, sweepMachineInstances } from '../../shared/services/runners/machine-instances';
import { getDeps } from '../composition';
import { readEnv, type FunctionEnv } from '../env';
import { logger } from '../observability';

function reaperOptions(env: FunctionEnv) {
  return { maxJobRuntimeSeconds: env.JOB_MAX_RUNTIME_SECONDS, maxQueuedSeconds: env.JOB_QUEUED_LIMIT_SECONDS, infraRetries: env.JOB_INFRA_RETRIES };
}

/**
 * Every minute (EventBridge): due scheduled pipelines, then the reconciler and reaper of silent jobs, then scale-in
 * of idle machine instances and retirement of spent, never-registered and expired ones. On a machine instance's
 * launch lifecycle action: issue its runner credential. On an EC2 Spot interruption warning, a machine instance's
 * termination lifecycle action or a Fargate task that stopped: retry (or fail) at once the task that ran there.
 */
export const createCronHandler = (getDeps: DepsProvider, getEnv: () => FunctionEnv = readEnv) =>
  middy()
    .use(injectLambdaContext(logger))
    .handler(async (event: unknown) => {
      const deps = await getDeps();
      if (isSpotInterruptionWarning(event)) {
        const spot = await handleSpotInterruption(deps, event.detail['instance-id'], reaperOptions(getEnv()));
        logger.info('spot interruption', { ...spot });
        return spot;
      }
      if (isEcsTaskStopped(event)) {
        const stopped = await handleEcsTaskStopped(deps, event, reaperOptions(getEnv()));
        if (stopped.tasks)
          logger.warn('fargate task stopped under its job', { ...stopped, stopCode: event.detail.stopCode, reason: event.detail.stoppedReason });
        return stopped;
      }
      if (isInstanceLaunching(event)) {
        const launching = await handleInstanceLaunching(deps, event);
        logger.info('machine instance launching', { ...launching });
        return launching;
      }
      if (isInstanceTerminating(event)) {
        const terminating = await handleInstanceTerminating(deps, event, reaperOptions(getEnv()));
        logger.info('machine instance terminating', { ...terminating });
        return terminating;
      }
      const schedules = await fireDueSchedules(deps);
      if (schedules.failed.length) logger.error('some schedules did not fire; the next run retries their slots', { failed: schedules.failed });
      const report = await reconcile(deps, reaperOptions(getEnv()));
      const scaledIn = await scaleInIdleMachines(deps);
      await forgetMachineInstances(deps, scaledIn);
      if (scaledIn.length) logger.info('idle machine instances terminated', { instances: scaledIn });
      const swept = await sweepMachineInstances(deps);
      if (swept.spent.length + swept.unregistered.length + swept.expired.length) logger.info('machine instances retired', { ...swept });
      logger.info('reconciled', { ...report, schedulesFired: schedules.fired });
      return { ...report, schedulesFired: schedules.fired };
    });

export const handler = createCronHandler(getDeps);
