import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { FARGATE_TASK_LAYOUT } from '../../model/resource-classes';

/**
 * The base task definition of a docker resource class as the CDK app deploys it (infra/lib/constructs/compute.ts,
 * FARGATE_TASK_LAYOUT): the agent sidecar (essential, told where the shim and the work folders go), the
 * primary placeholder running the shim command once the agent started, and the shared volume.
 */
export function localBaseTaskDefinition(agentImage: string): TaskDefinition {
  const shared = [{ sourceVolume: FARGATE_TASK_LAYOUT.sharedVolume, containerPath: FARGATE_TASK_LAYOUT.sharedMountPath, readOnly: false }];
  return {
    family: 'slipway-local',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    volumes: [{ name: FARGATE_TASK_LAYOUT.sharedVolume }],
    containerDefinitions: [
      {
        name: FARGATE_TASK_LAYOUT.agentContainer,
        image: agentImage,
        essential: true,
        environment: [
          { name: FARGATE_TASK_LAYOUT.shimDirEnv, value: FARGATE_TASK_LAYOUT.stepsDir },
          { name: FARGATE_TASK_LAYOUT.shimPathEnv, value: FARGATE_TASK_LAYOUT.shimPath },
          { name: FARGATE_TASK_LAYOUT.workRootEnv, value: FARGATE_TASK_LAYOUT.workRoot },
        ],
        mountPoints: shared,
      },
      {
        name: FARGATE_TASK_LAYOUT.primaryContainer,
        image: agentImage,
        essential: false,
        entryPoint: ['/bin/sh', '-c'],
        command: [FARGATE_TASK_LAYOUT.primaryCommand],
        mountPoints: shared,
        dependsOn: [{ containerName: FARGATE_TASK_LAYOUT.agentContainer, condition: 'START' }],
      },
    ],
  };
}
