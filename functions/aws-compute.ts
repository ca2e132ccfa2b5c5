import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { AsgMachineCompute } from '../shared/adapters/aws/asg-machine-compute';
import { EcsFargateCompute } from '../shared/adapters/aws/ecs-fargate-compute';
import { ValidationError } from '../shared/model/errors';
import type { JobCompute } from '../shared/ports/job-compute';
import type { PipelineStore } from '../shared/ports/pipeline-store';
import type { FunctionEnv } from './env';

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const map = (v: string | undefined, name: string): Record<string, string> => {
  try {
    return v ? (JSON.parse(v) as Record<string, string>) : {};
  } catch (e) {
    throw new Error(`${name} must be a JSON object of resource class → value: ${(e as Error).message}`);
  }
};

/**
 * AWS compute for the dispatcher: Fargate for `docker` jobs, EC2 auto scaling groups for `machine` jobs
 * (their instances run the agent in runner mode). Launch and stop go to the adapter that owns the unit.
 */
export function createAwsCompute(env: FunctionEnv, pipelines: () => PipelineStore): JobCompute {
  const fargate = new EcsFargateCompute(new ECSClient({}), {
    cluster: env.ECS_CLUSTER_ARN ?? '',
    subnets: list(env.ECS_SUBNETS),
    securityGroups: list(env.ECS_SECURITY_GROUPS),
    taskDefinitions: map(env.ECS_TASK_DEFINITIONS, 'ECS_TASK_DEFINITIONS'),
    assignPublicIp: env.ECS_ASSIGN_PUBLIC_IP === 'true',
    capacityProvider: env.ECS_CAPACITY_PROVIDER,
  });
  const machines = new AsgMachineCompute(new AutoScalingClient({}), {
    groups: map(env.MACHINE_ASGS, 'MACHINE_ASGS'),
    // Demand: tasks of the class waiting for or running on an instance (the target capacity, not an increment).
    demand: async (resourceClass) => {
      const jobs = await pipelines().listActiveJobs();
      return jobs
        .filter((j) => j.plan.executor.type === 'machine' && j.plan.executor.resourceClass === resourceClass)
        .reduce((n, j) => n + j.tasks.filter((t) => t.status === 'queued' || t.status === 'running').length, 0);
    },
  });
  return {
    launch(task) {
      switch (task.executor.type) {
        case 'docker':
          return fargate.launch(task);
        case 'machine':
          return machines.launch(task);
        default:
          throw new ValidationError(`The ${task.executor.type} executor is not available in this installation; use docker, machine or a self-hosted runner resource class.`);
      }
    },
    stop(computeId, reason) {
      return computeId.startsWith('arn:aws:ecs') ? fargate.stop(computeId, reason) : machines.stop(computeId, reason);
    },
  };
}
