import { posix } from 'node:path';
import type { ContainerDefinition, TaskDefinition } from '@aws-sdk/client-ecs';
import type { DockerImage } from '../../config/plan';
import { FARGATE_TASK_LAYOUT } from '../../model/resource-classes';

/** ECS container names allow letters, digits, `-` and `_`. */
function containerName(image: DockerImage, index: number): string {
  const raw = image.name ?? `service-${index}`;
  const safe = raw.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 200);
  return safe === FARGATE_TASK_LAYOUT.agentContainer || safe === FARGATE_TASK_LAYOUT.primaryContainer ? `service-${index}` : safe;
}

/**
 * The primary container of the layout (FARGATE_TASK_LAYOUT): the shared volume mounted, started after the agent,
 * running the shim. The CDK app puts it in the base task definition with a placeholder image; bases without it
 * (stacks deployed before it was there) get this one.
 */
function defaultPrimary(agent: ContainerDefinition | undefined): ContainerDefinition {
  return {
    name: FARGATE_TASK_LAYOUT.primaryContainer,
    essential: false,
    entryPoint: ['/bin/sh', '-c'],
    command: [FARGATE_TASK_LAYOUT.primaryCommand],
    mountPoints: [{ sourceVolume: FARGATE_TASK_LAYOUT.sharedVolume, containerPath: FARGATE_TASK_LAYOUT.sharedMountPath }],
    dependsOn: [{ containerName: FARGATE_TASK_LAYOUT.agentContainer, condition: 'START' }],
    logConfiguration: agent?.logConfiguration,
  };
}

/**
 * The working directory that needs a volume of its own: an absolute path outside the shared volume. `~/…` and
 * relative paths resolve inside the task's folder on the shared volume already.
 */
export function separateWorkdir(workingDirectory: string | undefined): string | undefined {
  if (!workingDirectory?.startsWith('/')) return undefined;
  const path = posix.normalize(workingDirectory).replace(/\/+$/, '');
  const shared = FARGATE_TASK_LAYOUT.sharedMountPath;
  if (!path || path === shared || path.startsWith(`${shared}/`)) return undefined;
  return path;
}

/** `container` with the working-directory volume mounted at `workdir` (and, for the agent, told where). */
function withWorkdir(container: ContainerDefinition, workdir: string | undefined, tellAgent: boolean): ContainerDefinition {
  if (!workdir) return container;
  return {
    ...container,
    mountPoints: [...(container.mountPoints ?? []), { sourceVolume: FARGATE_TASK_LAYOUT.workdirVolume, containerPath: workdir }],
    ...(tellAgent && { environment: [...(container.environment ?? []), { name: FARGATE_TASK_LAYOUT.workdirEnv, value: workdir }] }),
  };
}

/** A private registry's login for ECS (the image's `auth`, stored by the dispatcher): only the secret's ARN. */
const pullCredentials = (image: DockerImage): Pick<ContainerDefinition, 'repositoryCredentials'> =>
  image.credentialsParameter ? { repositoryCredentials: { credentialsParameter: image.credentialsParameter } } : {};

/**
 * The derived task definition: the base (agent, primary layout, volume) with the job's first image in the primary
 * container, plus its service containers. Everything but the image and user of the primary is kept from the base:
 * mount points, the shim command, the start order. A working directory outside the shared volume (`workdir`)
 * gets a volume of its own, mounted at that path in the agent and the primary. Local mode runs the very same
 * definition on a container engine (`EngineTaskCompute`).
 */
export function deriveTaskDefinition(base: TaskDefinition, family: string, images: readonly DockerImage[], workdir?: string) {
  const agent = base.containerDefinitions?.find((c) => c.name === FARGATE_TASK_LAYOUT.agentContainer);
  const basePrimary = base.containerDefinitions?.find((c) => c.name === FARGATE_TASK_LAYOUT.primaryContainer);
  const others = (base.containerDefinitions ?? []).filter((c) => c.name !== FARGATE_TASK_LAYOUT.primaryContainer);
  const [primary, ...services] = images;
  const containers: ContainerDefinition[] = [
    ...others.map((c) => (c.name === FARGATE_TASK_LAYOUT.agentContainer ? withWorkdir(c, workdir, true) : c)),
    withWorkdir(
      {
        ...(basePrimary ?? defaultPrimary(agent)),
        // The user's image needs only `sh`: it waits for the agent to install the shim, then the shim runs the steps.
        // The image's `environment` reaches the steps through the agent, with the job's other variables.
        image: primary.image,
        user: primary.user,
        ...pullCredentials(primary),
      },
      workdir,
      false,
    ),
    ...services.map((image, i): ContainerDefinition => ({
      name: containerName(image, i + 1),
      image: image.image,
      ...pullCredentials(image),
      essential: false,
      user: image.user,
      entryPoint: image.entrypoint,
      command: image.command,
      // Service images are configured by literal values from the config file (e.g. POSTGRES_DB), as on CircleCI.
      environment: Object.entries(image.environment).map(([name, value]) => ({ name, value })),
      logConfiguration: agent?.logConfiguration,
    })),
  ];
  return {
    family,
    taskRoleArn: base.taskRoleArn,
    executionRoleArn: base.executionRoleArn,
    networkMode: base.networkMode,
    requiresCompatibilities: base.requiresCompatibilities,
    runtimePlatform: base.runtimePlatform,
    cpu: base.cpu,
    memory: base.memory,
    ephemeralStorage: base.ephemeralStorage,
    volumes: workdir ? [...(base.volumes ?? []), { name: FARGATE_TASK_LAYOUT.workdirVolume }] : base.volumes,
    containerDefinitions: containers,
    tags: [{ key: 'slipway:base-task-definition', value: base.family ?? '' }],
  };
}
