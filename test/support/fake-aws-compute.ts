import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { ECSClient, TaskDefinition } from '@aws-sdk/client-ecs';
import { createHash, randomBytes } from 'node:crypto';
import { SqsMessageQueue } from '../../shared/adapters/aws/sqs-message-queue';
import { TokenService } from '../../shared/adapters/jose/token-service';
import { RunnerQueueCompute } from '../../shared/adapters/runner-queue-compute';
import type { Clock } from '../../shared/ports/clock';
import type { JobCompute } from '../../shared/ports/job-compute';
import type { PipelineStore } from '../../shared/ports/pipeline-store';
import type { RunnerStore } from '../../shared/ports/runner-store';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import type { TestResources } from './aws';

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

interface FakeTask {
  taskArn: string;
  clientToken?: string;
  request: string;
  startedBy?: string;
  lastStatus: 'RUNNING' | 'STOPPED';
}

/**
 * ECS at the request level, as the Fargate adapter uses it: task definitions (describe by ARN or family,
 * register a new revision), RunTask with ECS's `clientToken` idempotency (the same token and request return the
 * same task; the same token with other parameters is a `ConflictException`), ListTasks by `startedBy` and
 * desired status, StopTask (an unknown task is an `InvalidParameterException`, a stopped task stops again).
 */
export class FakeEcs {
  readonly definitions = new Map<string, TaskDefinition[]>();
  readonly tasks: FakeTask[] = [];

  constructor(private readonly arnPrefix = 'arn:aws:ecs:us-east-1:111122223333') {}

  /** Registers a base task definition (as the CDK app does); resolves its ARN. */
  register(def: TaskDefinition): string {
    const revisions = this.definitions.get(def.family!) ?? [];
    const arn = `${this.arnPrefix}:task-definition/${def.family}:${revisions.length + 1}`;
    revisions.push({ ...def, taskDefinitionArn: arn, revision: revisions.length + 1, status: 'ACTIVE' });
    this.definitions.set(def.family!, revisions);
    return arn;
  }

  /**
   * Registers the base task definition of a resource class as the CDK app does (Fargate, awsvpc, the agent
   * container alone; the dispatcher derives each job's definition from it), with `extra` on top; resolves its ARN.
   */
  registerAgentBase(family = 'slipway-medium', extra: TaskDefinition = {}): string {
    return this.register({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'agent', image: 'agent:latest', essential: true }],
      ...extra,
    });
  }

  /** The functions' environment for this cluster, as the CDK app sets it, with the `medium` class on `base`. */
  functionEnvironment(base: string): Record<string, string> {
    return { ECS_CLUSTER_ARN: 'slipway', ECS_SUBNETS: 'subnet-a', ECS_SECURITY_GROUPS: 'sg-1', ECS_TASK_DEFINITIONS: JSON.stringify({ medium: base }) };
  }

  running(): number {
    return this.tasks.filter((t) => t.lastStatus === 'RUNNING').length;
  }

  /** The client the adapter is given. */
  client(): ECSClient {
    return {
      send: async (command: { constructor: { name: string }; input: any }) => this.handle(command.constructor.name, command.input),
    } as unknown as ECSClient;
  }

  private handle(command: string, input: any): unknown {
    switch (command) {
      case 'DescribeTaskDefinitionCommand': {
        const [family, revision] = String(input.taskDefinition)
          .replace(/^arn:.*:task-definition\//, '')
          .split(':');
        const revisions = this.definitions.get(family) ?? [];
        const found = revision ? revisions[Number(revision) - 1] : revisions.at(-1);
        if (!found) throw awsError('ClientException', 'Unable to describe task definition.');
        return { taskDefinition: found };
      }
      case 'RegisterTaskDefinitionCommand':
        return { taskDefinition: { taskDefinitionArn: this.register(input) } };
      case 'RunTaskCommand':
        return this.runTask(input);
      case 'ListTasksCommand':
        return {
          taskArns: this.tasks.filter((t) => t.startedBy === input.startedBy && t.lastStatus === (input.desiredStatus ?? 'RUNNING')).map((t) => t.taskArn),
        };
      case 'StopTaskCommand': {
        const task = this.tasks.find((t) => t.taskArn === input.task);
        if (!task) throw awsError('InvalidParameterException', 'The referenced task was not found.');
        task.lastStatus = 'STOPPED';
        return { task: { taskArn: task.taskArn, lastStatus: task.lastStatus, stoppedReason: input.reason } };
      }
      default:
        throw new Error(`FakeEcs does not implement ${command}`);
    }
  }

  private runTask(input: any): unknown {
    const request = JSON.stringify(input);
    const previous = input.clientToken && this.tasks.find((t) => t.clientToken === input.clientToken);
    if (previous && previous.request !== request)
      throw awsError('ConflictException', 'The specified client token has already been used with different parameters.');
    if (previous) return { tasks: [{ taskArn: previous.taskArn, lastStatus: previous.lastStatus }], failures: [] };
    const id = createHash('sha256').update(`${this.tasks.length}:${request}`).digest('hex').slice(0, 32);
    const task: FakeTask = {
      taskArn: `${this.arnPrefix}:task/slipway/${id}`,
      clientToken: input.clientToken,
      request,
      startedBy: input.startedBy,
      lastStatus: 'RUNNING',
    };
    this.tasks.push(task);
    return { tasks: [{ taskArn: task.taskArn, lastStatus: 'PROVISIONING' }], failures: [] };
  }
}

/**
 * EC2 Auto Scaling at the request level, as the machine adapter uses it: groups with min, max and desired
 * capacity; SetDesiredCapacity outside [min, max] is a `ValidationError`, as in AWS.
 */
export class FakeAutoScaling {
  readonly groups = new Map<string, { min: number; max: number; desired: number }>();

  client(): AutoScalingClient {
    return {
      send: async (command: { constructor: { name: string }; input: any }) => this.handle(command.constructor.name, command.input),
    } as unknown as AutoScalingClient;
  }

  private handle(command: string, input: any): unknown {
    switch (command) {
      case 'DescribeAutoScalingGroupsCommand':
        return {
          AutoScalingGroups: (input.AutoScalingGroupNames as string[])
            .filter((n) => this.groups.has(n))
            .map((n) => ({
              AutoScalingGroupName: n,
              MinSize: this.groups.get(n)!.min,
              MaxSize: this.groups.get(n)!.max,
              DesiredCapacity: this.groups.get(n)!.desired,
            })),
        };
      case 'SetDesiredCapacityCommand': {
        const group = this.groups.get(input.AutoScalingGroupName);
        if (!group) throw awsError('ValidationError', `AutoScalingGroup name not found - ${input.AutoScalingGroupName}`);
        if (input.DesiredCapacity < group.min || input.DesiredCapacity > group.max)
          throw awsError('ValidationError', 'New SetDesiredCapacity value is outside the group bounds.');
        group.desired = input.DesiredCapacity;
        return {};
      }
      default:
        throw new Error(`FakeAutoScaling does not implement ${command}`);
    }
  }
}

/**
 * The control plane's deps around AWS compute as the composition root wires them (the runner queue over `aws`),
 * the store and queues on the emulators; a test adds what else it needs.
 */
export function computeControlPlaneDeps(
  r: TestResources,
  parts: { pipelines: PipelineStore; runners: RunnerStore; aws: JobCompute; clock: Clock },
): ControlPlaneDeps {
  return {
    pipelines: parts.pipelines,
    runners: parts.runners,
    queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls),
    compute: new RunnerQueueCompute(parts.aws, parts.runners, parts.clock),
    tokens: new TokenService(randomBytes(32)),
    clock: parts.clock,
    publicUrl: 'https://ci.example.com',
    leaseSeconds: 60,
  } as unknown as ControlPlaneDeps;
}
