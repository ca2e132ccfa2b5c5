import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { reconcile } from '../../shared/services/reconcile';
import { getDeps } from '../composition';
import { logger } from '../observability';

/** Every minute (EventBridge): the reconciler and reaper of silent jobs. */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const report = await reconcile(await getDeps());
    logger.info('reconciled', { ...report });
    return report;
  });
