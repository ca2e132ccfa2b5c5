import { createHash } from 'node:crypto';
import type { ECSClient, Failure, TaskDefinition } from '@aws-sdk/client-ecs';
import type { DockerImage } from '../../config/plan';
import { ComputeCapacityError, ValidationError } from '../../model/errors';
import { DOCKER_RESOURCE_CLASSES, FARGATE_TASK_LAYOUT, findDockerResourceClass } from '../../model/resource-classes';
import { launchStartedBy, launchToken } from '../../model/compute-launch';
import type { JobCompute, LaunchResult, TaskLaunch, TaskRef } from '../../ports/job-compute';
import { throughDockerHubMirror } from './docker-hub-mirror';
import { deriveTaskDefinition, separateWorkdir } from './ecs-task-definition';
import { clientOf, sdk, type ClientSource } from './lazy-sdk';

export { deriveTaskDefinition, separateWorkdir };

export interface EcsFargateComputeOptions {
  /** Cluster ARN (`ECS_CLUSTER_ARN`). */
  readonly cluster: string;
  /** Subnets for the task ENI (`ECS_SUBNETS`, comma-separated in the environment). */
  readonly subnets: readonly string[];
  /** Security groups for the task ENI (`ECS_SECURITY_GROUPS`). */
  readonly securityGroups: readonly string[];
  /** Base task definition ARN per docker resource class (`ECS_TASK_DEFINITIONS`, a JSON map). */
  readonly taskDefinitions: Readonly<Record<string, string>>;
  /** Give tasks a public IP (public subnets without a NAT gateway). @default false */
  readonly assignPublicIp?: boolean;
  /** Capacity provider for job tasks. @default 'FARGATE' */
  readonly capacityProvider?: 'FARGATE' | 'FARGATE_SPOT';
  /** Task role of tasks rerun with SSH (ECS Exec's Session Manager channels); other tasks run without one. */
  readonly sshTaskRoleArn?: string;
  /** An ECR pull-through cache of Docker Hub (`<registry>/docker-hub`): Docker Hub images are pulled through it. */
  readonly dockerHubMirror?: string;
}

/** Errors of ECS that mean "try again shortly", not "this request is wrong". */
const TRANSIENT_ERRORS = new Set(['ThrottlingException', 'LimitExceededException', 'ServerException']);
/** `RunTask` failure reasons that mean Fargate has no capacity right now. */
const CAPACITY_REASON = /capacity|resource:|limit|throttl/i;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Docker executor on Fargate. Each docker resource class has a base task definition (agent sidecar + shared
 * volume, created by the CDK app). ECS cannot replace a container image at `RunTask`, so for each distinct
 * image set the adapter registers a derived task definition (family `<base>-<hash>`, found again by family
 * name on later launches) that adds the primary container (running the step shim) and the service containers
 * (which share the task's network namespace, so `localhost:5432` reaches a database image as on CircleCI).
 *
 * The only per-launch values are container overrides of the agent: `SLIPWAY_URL` and `SLIPWAY_TASK_CODE`, a
 * one-time code the agent exchanges for its task token (CloudTrail records overrides; the token never is). The
 * job's secrets reach the agent in its job spec, never in ECS.
 *
 * Idempotency: `RunTask` carries `clientToken` = {@link launchToken}; if ECS reports the token in use with
 * other parameters (a re-minted task token), the task started by the first call is looked up by `startedBy`
 * ({@link launchStartedBy}), which is also how `find` reaches the task of a (job, task, attempt).
 */
export class EcsFargateCompute implements JobCompute {
  private readonly derived = new Map<string, Promise<string>>();
  private readonly ecs: () => ECSClient;

  constructor(
    ecs: ClientSource<ECSClient>,
    private readonly options: EcsFargateComputeOptions,
  ) {
    this.ecs = clientOf(ecs);
  }

  async launch(task: TaskLaunch): Promise<LaunchResult> {
    const resourceClass = findDockerResourceClass(task.executor.resourceClass);
    const baseArn = resourceClass && this.options.taskDefinitions[resourceClass.name];
    if (!resourceClass || !baseArn) {
      const known = DOCKER_RESOURCE_CLASSES.map((c) => c.name).filter((n) => this.options.taskDefinitions[n]);
      throw new ValidationError(`Resource class "${task.executor.resourceClass}" is not available for the docker executor. Use one of: ${known.join(', ')}.`, {
        jobId: task.jobId,
        resourceClass: task.executor.resourceClass,
      });
    }
    if (task.executor.images.length === 0) {
      throw new ValidationError('A docker executor needs at least one image.', { jobId: task.jobId });
    }
    const mirror = this.options.dockerHubMirror;
    const images = mirror ? task.executor.images.map((i) => ({ ...i, image: throughDockerHubMirror(i.image, mirror) })) : task.executor.images;
    const taskDefinition = await this.taskDefinitionFor(baseArn, images, separateWorkdir(task.workingDirectory));
    const token = launchToken(task);
    const startedBy = launchStartedBy(task);
    const { RunTaskCommand } = sdk.ecs();
    let response;
    try {
      response = await this.ecs().send(
        new RunTaskCommand({
          cluster: this.options.cluster,
          taskDefinition,
          count: 1,
          clientToken: token,
          startedBy,
          group: `slipway:${resourceClass.name}`,
          capacityProviderStrategy: [{ capacityProvider: this.options.capacityProvider ?? 'FARGATE', weight: 1 }],
          platformVersion: 'LATEST',
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [...this.options.subnets],
              securityGroups: [...this.options.securityGroups],
              assignPublicIp: this.options.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
          overrides: {
            ...(task.ssh && this.options.sshTaskRoleArn && { taskRoleArn: this.options.sshTaskRoleArn }),
            containerOverrides: [
              {
                name: FARGATE_TASK_LAYOUT.agentContainer,
                environment: [
                  { name: FARGATE_TASK_LAYOUT.agentUrlEnv, value: task.controlPlaneUrl },
                  { name: FARGATE_TASK_LAYOUT.agentCodeEnv, value: task.taskCode },
                ],
              },
            ],
          },
          // Rerun with SSH: users get into the primary container with ECS Exec (`slipway ssh`), no inbound port.
          ...(task.ssh && { enableExecuteCommand: true }),
          enableECSManagedTags: true,
          tags: [
            { key: 'slipway:job-id', value: task.jobId },
            { key: 'slipway:workflow-id', value: task.workflowId },
            { key: 'slipway:task-index', value: String(task.taskIndex) },
            { key: 'slipway:attempt', value: String(task.attempt) },
            { key: 'slipway:resource-class', value: resourceClass.name },
          ],
        }),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ConflictException') {
        const started = await this.find(task);
        if (started) return { computeId: started };
        throw new ComputeCapacityError('ECS reports this task as launched but it cannot be found yet; retrying.', { jobId: task.jobId }, { cause: error });
      }
      throw this.mapError(error, task);
    }
    const arn = response.tasks?.[0]?.taskArn;
    if (arn) return { computeId: arn };
    throw this.failureError(response.failures ?? [], task);
  }

  async stop(computeId: string, reason: string): Promise<void> {
    const { StopTaskCommand } = sdk.ecs();
    try {
      await this.ecs().send(new StopTaskCommand({ cluster: this.options.cluster, task: computeId, reason: reason.slice(0, 255) }));
    } catch (error) {
      // A task that ended long ago is unknown to ECS: nothing left to stop.
      if ((error as Error).name === 'InvalidParameterException') return;
      throw error;
    }
  }

  /** The derived task definition for this image set: found by family, or registered from the base once. */
  private taskDefinitionFor(baseArn: string, images: readonly DockerImage[], workdir: string | undefined): Promise<string> {
    const spec = images.map((i) => ({
      image: i.image,
      name: i.name,
      entrypoint: i.entrypoint,
      command: i.command,
      user: i.user,
      env: i.environment,
      ...(i.credentialsParameter && { credentials: i.credentialsParameter }),
    }));
    // The base's revision is part of the name: a redeployed layout (agent image, shim command) gets new derived
    // definitions instead of reusing ones registered from the old base.
    const hash = sha256(JSON.stringify(workdir ? { base: baseArn, spec, workdir } : { base: baseArn, spec })).slice(0, 16);
    const key = `${baseArn}|${hash}`;
    let pending = this.derived.get(key);
    if (!pending) {
      pending = this.findOrRegister(baseArn, hash, images, workdir);
      this.derived.set(key, pending);
      pending.catch(() => this.derived.delete(key));
    }
    return pending;
  }

  private async findOrRegister(baseArn: string, hash: string, images: readonly DockerImage[], workdir: string | undefined): Promise<string> {
    const base = await this.describe(baseArn);
    if (!base?.family) throw new ValidationError(`Task definition ${baseArn} was not found; redeploy the Slipway stack.`, { baseArn });
    const family = `${base.family}-${hash}`.slice(0, 255);
    const existing = await this.describe(family);
    if (existing?.taskDefinitionArn && existing.status === 'ACTIVE') return existing.taskDefinitionArn;
    const { RegisterTaskDefinitionCommand } = sdk.ecs();
    const registered = await this.ecs().send(new RegisterTaskDefinitionCommand(deriveTaskDefinition(base, family, images, workdir)));
    const arn = registered.taskDefinition?.taskDefinitionArn;
    if (!arn) throw new ComputeCapacityError(`ECS registered no task definition for ${family}; retrying.`, { family });
    return arn;
  }

  private async describe(taskDefinition: string): Promise<TaskDefinition | undefined> {
    const { DescribeTaskDefinitionCommand } = sdk.ecs();
    try {
      return (await this.ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition;
    } catch (error) {
      if ((error as Error).name === 'ClientException') return undefined;
      throw this.mapError(error);
    }
  }

  /** The task started for (job, task, attempt): by its `startedBy`, running (or starting) first, then stopped. */
  async find(task: TaskRef): Promise<string | undefined> {
    const startedBy = launchStartedBy(task);
    const { ListTasksCommand } = sdk.ecs();
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      const listed = await this.ecs().send(new ListTasksCommand({ cluster: this.options.cluster, startedBy, desiredStatus }));
      const arn = listed.taskArns?.[0];
      if (arn) return arn;
    }
    return undefined;
  }

  private mapError(error: unknown, task?: TaskLaunch): unknown {
    const name = (error as Error).name;
    if (TRANSIENT_ERRORS.has(name)) {
      return new ComputeCapacityError(`Fargate is busy (${name}); the job is retried shortly.`, { jobId: task?.jobId }, { cause: error });
    }
    return error;
  }

  private failureError(failures: readonly Failure[], task: TaskLaunch): Error {
    const reasons = failures.map((f) => f.reason ?? 'unknown').join('; ') || 'no task and no failure reported';
    const context = { jobId: task.jobId, resourceClass: task.executor.resourceClass, reasons };
    if (failures.length === 0 || failures.some((f) => CAPACITY_REASON.test(f.reason ?? ''))) {
      return new ComputeCapacityError(`Fargate could not start the task now (${reasons}); the job is retried shortly.`, context);
    }
    return new ValidationError(`Fargate refused the task: ${reasons}. Check the image names and the task definition.`, context);
  }
}
