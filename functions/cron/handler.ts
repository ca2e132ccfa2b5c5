import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { reconcile } from '../../shared/services/reconcile';
import { fireDueSchedules } from '../../shared/services/schedules';
import { getDeps } from '../composition';
import { readEnv } from '../env';
import { logger } from '../observability';

/** Every minute (EventBridge): due scheduled pipelines, then the reconciler and reaper of silent jobs. */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const deps = await getDeps();
    const schedules = await fireDueSchedules(deps);
    if (schedules.failed.length) logger.error('some schedules did not fire; the next run retries their slots', { failed: schedules.failed });
    const env = readEnv();
    const report = await reconcile(deps, {
      maxJobRuntimeSeconds: env.JOB_MAX_RUNTIME_SECONDS,
      maxQueuedSeconds: env.JOB_QUEUED_LIMIT_SECONDS,
      infraRetries: env.JOB_INFRA_RETRIES,
    });
    logger.info('reconciled', { ...report, schedulesFired: schedules.fired });
    return { ...report, schedulesFired: schedules.fired };
  });
