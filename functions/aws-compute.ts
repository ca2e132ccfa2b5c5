import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { withProcessHooks } from '../shared/adapters/aws/clients';
import { sdk, type ClientSource } from '../shared/adapters/aws/lazy-sdk';
import { AsgMachineCompute } from '../shared/adapters/aws/asg-machine-compute';
import { EcsFargateCompute } from '../shared/adapters/aws/ecs-fargate-compute';
import { SsmMachineCredentials } from '../shared/adapters/aws/ssm-machine-credentials';
import { ValidationError } from '../shared/model/errors';
import { findMachineResourceClass, machineRunnerClass } from '../shared/model/resource-classes';
import { systemClock, type Clock } from '../shared/ports/clock';
import type { JobCompute, TaskRef } from '../shared/ports/job-compute';
import type { PipelineStore } from '../shared/ports/pipeline-store';
import type { RunnerStore } from '../shared/ports/runner-store';
import type { MachinePool } from '../shared/services/runners/machine-pool';
import { RunnerQueueCompute } from '../shared/adapters/runner-queue-compute';
import { machineDemand } from '../shared/services/runners/machine-pool';
import type { FunctionEnv } from './env';
import { traced } from './observability';

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const map = (v: string | undefined, name: string): Record<string, string> => {
  try {
    return v ? (JSON.parse(v) as Record<string, string>) : {};
  } catch (e) {
    throw new Error(`${name} must be a JSON object of resource class → value: ${(e as Error).message}`);
  }
};

/** The machine class a job's `resource_class` names (CircleCI's default when it names none). */
const machineClassOf = (resourceClass: string | undefined) => findMachineResourceClass(resourceClass)?.name ?? resourceClass ?? '';

/** A machine task as the runner queue holds it: under its pool's class (`machine/<class>`). */
function inMachineQueue<T extends TaskRef>(task: T): T {
  return { ...task, executor: { ...task.executor, type: 'runner', resourceClass: machineRunnerClass(machineClassOf(task.executor.resourceClass)) } };
}

/** Job compute in AWS, plus the machine pools (scale-in, instance credentials, lifecycle actions) for the control plane's deps. */
export interface AwsCompute extends JobCompute {
  readonly machinePool: MachinePool;
}

/** The clients to use instead of the Lambda's own (tests); by default each is built on its adapter's first call. */
export interface AwsComputeClients {
  ecs?: ClientSource<ECSClient>;
  autoscaling?: ClientSource<AutoScalingClient>;
  ssm?: ClientSource<SSMClient>;
  clock?: Clock;
}

/**
 * AWS compute for the dispatcher: Fargate for `docker` jobs; for `machine` jobs, capacity in the class's auto
 * scaling group plus an entry in the runner queue under `machine/<class>`, which the group's instances claim
 * (runner mode, one job each). Launch and stop go to the unit's owner: queued machine tasks are removed from the
 * queue, Fargate tasks are stopped.
 */
export function createAwsCompute(env: FunctionEnv, pipelines: () => PipelineStore, runners: () => RunnerStore, clients: AwsComputeClients = {}): AwsCompute {
  const fargate = new EcsFargateCompute(clients.ecs ?? (() => traced(withProcessHooks(new (sdk.ecs().ECSClient)({})))), {
    cluster: env.ECS_CLUSTER_ARN ?? '',
    subnets: list(env.ECS_SUBNETS),
    securityGroups: list(env.ECS_SECURITY_GROUPS),
    taskDefinitions: map(env.ECS_TASK_DEFINITIONS, 'ECS_TASK_DEFINITIONS'),
    assignPublicIp: env.ECS_ASSIGN_PUBLIC_IP === 'true',
    capacityProvider: env.ECS_CAPACITY_PROVIDER,
    sshTaskRoleArn: env.ECS_SSH_TASK_ROLE_ARN,
    dockerHubMirror: env.ECS_DOCKER_HUB_MIRROR,
  });
  const groups = map(env.MACHINE_ASGS, 'MACHINE_ASGS');
  const machines = new AsgMachineCompute(clients.autoscaling ?? (() => traced(withProcessHooks(new (sdk.autoScaling().AutoScalingClient)({})))), {
    groups,
    // Demand: tasks of the class waiting for or running on an instance (the target capacity, not an increment).
    demand: async (resourceClass) => machineDemand(await pipelines().listActiveJobs(), resourceClass),
  });
  let queue: RunnerQueueCompute | undefined;
  const machineQueue = () => (queue ??= new RunnerQueueCompute(machines, runners(), clients.clock ?? systemClock));
  const credentials = new SsmMachineCredentials(clients.ssm ?? (() => withProcessHooks(new (sdk.ssm().SSMClient)({}))), {
    path: env.MACHINE_CREDENTIAL_PATH ?? '/slipway/runners',
    instanceArnPrefix: env.MACHINE_INSTANCE_ARN_PREFIX ?? '',
  });
  return {
    async launch(task) {
      switch (task.executor.type) {
        case 'docker':
          return fargate.launch(task);
        case 'machine':
          // Scale first (it validates the class and throws while Auto Scaling is busy), then wait in the queue.
          await machines.launch(task);
          return machineQueue().launch(inMachineQueue(task));
        default:
          throw new ValidationError(
            `The ${task.executor.type} executor is not available in this installation; use docker, machine or a self-hosted runner resource class.`,
          );
      }
    },
    async find(task) {
      if (task.executor.type === 'docker') return fargate.find(task);
      // A machine task waits in its pool's runner queue until an instance claims it (the claim records the instance).
      if (task.executor.type === 'machine') return machineQueue().find(inMachineQueue(task));
      return undefined;
    },
    stop(computeId, reason) {
      if (/^arn:[^:]+:ecs:/.test(computeId)) return fargate.stop(computeId, reason);
      return machineQueue().stop(computeId, reason);
    },
    machinePool: {
      classes: Object.keys(groups),
      classOfGroup: (groupName) => machines.classOfGroup(groupName),
      scaleIn: (ids) => machines.scaleIn(ids),
      retire: (ids) => machines.retire(ids),
      protect: (instanceId, groupName, on) => machines.protect(instanceId, groupName, on),
      storeCredential: (instanceId, credential) => credentials.store(instanceId, credential),
      deleteCredential: (instanceId) => credentials.delete(instanceId),
      completeLaunch: (action) => machines.completeLaunch(action),
      completeTermination: (action) => machines.completeTermination(action),
    },
  };
}
