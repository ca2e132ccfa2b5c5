import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import type { ExecutorPlan } from '../../config/plan';
import { ComputeCapacityError, ValidationError } from '../../model/errors';
import { DOCKER_RESOURCE_CLASSES } from '../../model/resource-classes';
import type { TaskLaunch } from '../../ports/job-compute';
import { throughDockerHubMirror } from './docker-hub-mirror';
import { launchToken } from '../../model/compute-launch';
import { EcsFargateCompute, separateWorkdir } from './ecs-fargate-compute';

const ecsMock = mockClient(ECSClient);
const CLUSTER = 'arn:aws:ecs:us-east-1:111122223333:cluster/slipway';
const taskDefinitions = Object.fromEntries(
  DOCKER_RESOURCE_CLASSES.map((c) => [c.name, `arn:aws:ecs:us-east-1:111122223333:task-definition/slipway-${c.name}:1`]),
);

function base(family: string): TaskDefinition {
  return {
    family,
    taskDefinitionArn: `arn:aws:ecs:us-east-1:111122223333:task-definition/${family}:1`,
    status: 'ACTIVE',
    taskRoleArn: 'arn:aws:iam::111122223333:role/task',
    executionRoleArn: 'arn:aws:iam::111122223333:role/exec',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '2048',
    memory: '4096',
    volumes: [{ name: 'slipway' }],
    containerDefinitions: [
      {
        name: 'agent',
        image: 'public.ecr.aws/slipway/agent:latest',
        essential: true,
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
      },
    ],
  };
}

function launch(overrides: Partial<TaskLaunch> = {}, executor: Partial<ExecutorPlan> = {}): TaskLaunch {
  return {
    jobId: 'job-1',
    workflowId: 'wf-1',
    projectSlug: 'gh/acme/app',
    taskIndex: 0,
    attempt: 1,
    taskToken: 'jwt-token',
    taskCode: 'one-time-code',
    controlPlaneUrl: 'https://ci.example.com',
    executor: {
      type: 'docker',
      resourceClass: 'medium',
      images: [
        { image: 'cimg/node:22.1', environment: { A: '1' } },
        { image: 'cimg/postgres:16.2', environment: { POSTGRES_DB: 'test' } },
      ],
      ...executor,
    },
    ...overrides,
  };
}

function compute(extra: Partial<ConstructorParameters<typeof EcsFargateCompute>[1]> = {}) {
  return new EcsFargateCompute(new ECSClient({ region: 'us-east-1' }), {
    cluster: CLUSTER,
    subnets: ['subnet-a', 'subnet-b'],
    securityGroups: ['sg-1'],
    taskDefinitions,
    ...extra,
  });
}

/** Base task definitions exist; derived families do not (yet). */
function describeBasesOnly() {
  ecsMock.on(DescribeTaskDefinitionCommand).callsFake(({ taskDefinition }: { taskDefinition: string }) => {
    if (taskDefinition.startsWith('arn:')) return { taskDefinition: base(taskDefinition.split('/')[1].split(':')[0]) };
    const error = new Error('Unable to describe task definition.');
    error.name = 'ClientException';
    throw error;
  });
  ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input: { family: string }) => ({
    taskDefinition: { taskDefinitionArn: `arn:aws:ecs:us-east-1:111122223333:task-definition/${input.family}:1` },
  }));
}

beforeEach(() => {
  ecsMock.reset();
  describeBasesOnly();
  ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/slipway/abc' }] });
});

describe('EcsFargateCompute', () => {
  it.each(DOCKER_RESOURCE_CLASSES.map((c) => c.name))('runs a task for resource class %s', async (resourceClass) => {
    const result = await compute().launch(launch({}, { resourceClass }));
    expect(result.computeId).toBe('arn:aws:ecs:us-east-1:111122223333:task/slipway/abc');
    const registered = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
    expect(registered.family).toMatch(new RegExp(`^slipway-${resourceClass.replace(/[.+]/g, '\\$&')}-[0-9a-f]{16}$`));
    const run = ecsMock.commandCalls(RunTaskCommand)[0].args[0].input;
    expect(run.taskDefinition).toBe(`arn:aws:ecs:us-east-1:111122223333:task-definition/${registered.family}:1`);
    expect(run.group).toBe(`slipway:${resourceClass}`);
  });

  it('enables ECS Exec only for a task rerun with SSH', async () => {
    const sshTaskRoleArn = 'arn:aws:iam::111122223333:role/ssh-task';
    await compute({ sshTaskRoleArn }).launch(launch({ ssh: true }));
    await compute({ sshTaskRoleArn }).launch(launch({ jobId: 'job-2' }));
    const [ssh, plain] = ecsMock.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(ssh).toMatchObject({ enableExecuteCommand: true, overrides: { taskRoleArn: sshTaskRoleArn } });
    expect(plain.enableExecuteCommand).toBeUndefined();
    expect(plain.overrides!.taskRoleArn).toBeUndefined();
  });

  it('sends the request shape: client token, capacity provider, awsvpc, agent env only, tags', async () => {
    await compute({ capacityProvider: 'FARGATE_SPOT', assignPublicIp: true }).launch(launch());
    const run = ecsMock.commandCalls(RunTaskCommand)[0].args[0].input;
    expect(run).toMatchObject({
      cluster: CLUSTER,
      count: 1,
      clientToken: launchToken({ jobId: 'job-1', taskIndex: 0, attempt: 1 }),
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' } },
      overrides: {
        containerOverrides: [
          {
            name: 'agent',
            environment: [
              { name: 'SLIPWAY_URL', value: 'https://ci.example.com' },
              { name: 'SLIPWAY_TASK_CODE', value: 'one-time-code' },
            ],
          },
        ],
      },
    });
    // CloudTrail records RunTask requests: the task token itself is nowhere in them.
    expect(JSON.stringify(run)).not.toContain('jwt-token');
    expect(run.launchType).toBeUndefined();
    expect(run.overrides?.containerOverrides).toHaveLength(1);
    expect(run.tags).toEqual(expect.arrayContaining([{ key: 'slipway:job-id', value: 'job-1' }]));
  });

  it('pulls Docker Hub images through the ECR pull-through cache when there is one, other registries directly', async () => {
    const mirror = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/docker-hub';
    expect(throughDockerHubMirror('cimg/base:stable', mirror)).toBe(`${mirror}/cimg/base:stable`);
    expect(throughDockerHubMirror('node:20', mirror)).toBe(`${mirror}/library/node:20`);
    expect(throughDockerHubMirror('postgres@sha256:abc', mirror)).toBe(`${mirror}/library/postgres@sha256:abc`);
    expect(throughDockerHubMirror('docker.io/cimg/go:1.22', mirror)).toBe(`${mirror}/cimg/go:1.22`);
    expect(throughDockerHubMirror('docker.io/redis', mirror)).toBe(`${mirror}/library/redis`);
    for (const other of ['ghcr.io/acme/tool:1', 'public.ecr.aws/docker/library/node:20', 'localhost/x:1', 'registry.local:5000/a/b']) {
      expect(throughDockerHubMirror(other, mirror)).toBe(other);
    }
    await compute({ dockerHubMirror: mirror }).launch(
      launch(
        {},
        {
          images: [
            { image: 'cimg/node:22.1', environment: {} },
            { image: 'ghcr.io/acme/db:1', name: 'db', environment: {} },
          ],
        },
      ),
    );
    const images = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input.containerDefinitions!.map((c) => c.image);
    expect(images.slice(1)).toEqual([`${mirror}/cimg/node:22.1`, 'ghcr.io/acme/db:1']);
    ecsMock.resetHistory();
    await compute().launch(launch({ jobId: 'job-9' }));
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input.containerDefinitions![1].image).toBe('cimg/node:22.1');
  });

  it('registers the primary (shim) and service containers beside the agent, sharing the base settings', async () => {
    await compute().launch(launch());
    const input = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
    expect(input).toMatchObject({ networkMode: 'awsvpc', cpu: '2048', memory: '4096', taskRoleArn: 'arn:aws:iam::111122223333:role/task' });
    const [agent, primary, service] = input.containerDefinitions ?? [];
    expect(agent.name).toBe('agent');
    expect(primary).toMatchObject({ name: 'primary', image: 'cimg/node:22.1', essential: false });
    expect(primary.command?.[0]).toContain('/slipway/bin/shim');
    expect(primary.environment).toBeUndefined();
    expect(primary.mountPoints).toEqual([{ sourceVolume: 'slipway', containerPath: '/slipway' }]);
    expect(service).toMatchObject({ name: 'service-1', image: 'cimg/postgres:16.2', essential: false, environment: [{ name: 'POSTGRES_DB', value: 'test' }] });
  });

  it('keeps the base primary container (mounts, shim command, start order) and sets only its image and user', async () => {
    const basePrimary = {
      name: 'primary',
      image: 'public.ecr.aws/slipway/agent:latest',
      essential: false,
      entryPoint: ['/bin/sh', '-c'],
      command: ['until [ -f /slipway/bin/shim ]; do sleep 1; done; exec sh /slipway/bin/shim /slipway/steps'],
      mountPoints: [{ sourceVolume: 'slipway', containerPath: '/slipway', readOnly: false }],
      dependsOn: [{ containerName: 'agent', condition: 'START' as const }],
      logConfiguration: { logDriver: 'awslogs' as const, options: { 'awslogs-group': 'g', 'awslogs-stream-prefix': 'medium' } },
    };
    ecsMock.on(DescribeTaskDefinitionCommand).callsFake(({ taskDefinition }: { taskDefinition: string }) => {
      if (!taskDefinition.startsWith('arn:')) throw Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' });
      const b = base('slipway-medium');
      return { taskDefinition: { ...b, containerDefinitions: [...b.containerDefinitions!, basePrimary] } };
    });
    await compute().launch(launch({}, { images: [{ image: 'cimg/node:22.1', user: 'circleci', environment: {} }] }));
    const input = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
    expect(input.volumes).toEqual([{ name: 'slipway' }]);
    expect(input.containerDefinitions?.map((c) => c.name)).toEqual(['agent', 'primary']);
    expect(input.containerDefinitions?.[1]).toEqual({ ...basePrimary, image: 'cimg/node:22.1', user: 'circleci' });
  });

  it('mounts a volume of its own at an absolute working directory outside /slipway, in the agent and the primary', async () => {
    await compute().launch(launch({ workingDirectory: '/go/src/github.com/acme/app/' }));
    const input = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
    expect(input.volumes).toEqual([{ name: 'slipway' }, { name: 'slipway-workdir' }]);
    const [agent, primary, service] = input.containerDefinitions ?? [];
    const mount = { sourceVolume: 'slipway-workdir', containerPath: '/go/src/github.com/acme/app' };
    expect(agent.mountPoints).toEqual(expect.arrayContaining([mount]));
    expect(agent.environment).toEqual(expect.arrayContaining([{ name: 'SLIPWAY_WORKDIR_MOUNT', value: '/go/src/github.com/acme/app' }]));
    expect(primary.mountPoints).toEqual([{ sourceVolume: 'slipway', containerPath: '/slipway' }, mount]);
    expect(service.mountPoints).toBeUndefined();
    // Another working directory is another task definition; ~ and /slipway paths need none.
    await compute().launch(launch({ jobId: 'job-2', workingDirectory: '/srv/app' }));
    await compute().launch(launch({ jobId: 'job-3', workingDirectory: '~/project' }));
    const families = ecsMock.commandCalls(RegisterTaskDefinitionCommand).map((call) => call.args[0].input.family);
    expect(new Set(families).size).toBe(3);
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)[2].args[0].input.volumes).toEqual([{ name: 'slipway' }]);
  });

  it('needs a separate working directory only for absolute paths outside the shared volume', () => {
    expect(separateWorkdir('/go/src/x/')).toBe('/go/src/x');
    expect(separateWorkdir('/srv/../opt/app')).toBe('/opt/app');
    for (const shared of ['~/project', 'project', undefined, '/slipway', '/slipway/work/t/home/project', '/', '//'])
      expect(separateWorkdir(shared)).toBeUndefined();
    expect(separateWorkdir('/slipwayish')).toBe('/slipwayish');
  });

  it('derives new task definitions from a new base revision (an upgraded stack) instead of reusing older ones', async () => {
    const c = compute();
    await c.launch(launch());
    const next = compute({ taskDefinitions: { ...taskDefinitions, medium: taskDefinitions.medium.replace(/:1$/, ':2') } });
    await next.launch(launch({ jobId: 'job-2' }));
    const families = ecsMock.commandCalls(RegisterTaskDefinitionCommand).map((call) => call.args[0].input.family);
    expect(families).toHaveLength(2);
    expect(families[0]).not.toBe(families[1]);
  });

  it('gives a base without a primary container the layout: shared volume, shim command, started after the agent', async () => {
    await compute().launch(launch());
    const primary = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input.containerDefinitions?.[1];
    expect(primary).toMatchObject({
      entryPoint: ['/bin/sh', '-c'],
      command: [expect.stringMatching(/exec sh \/slipway\/bin\/shim \/slipway\/steps$/)],
      dependsOn: [{ containerName: 'agent', condition: 'START' }],
    });
  });

  it('uses the same client token for the same task and attempt, and another for a retry', () => {
    const first = launchToken({ jobId: 'j', taskIndex: 1, attempt: 1 });
    expect(launchToken({ jobId: 'j', taskIndex: 1, attempt: 1 })).toBe(first);
    expect(launchToken({ jobId: 'j', taskIndex: 1, attempt: 2 })).not.toBe(first);
    expect(launchToken({ jobId: 'j', taskIndex: 2, attempt: 1 })).not.toBe(first);
    expect(first).toHaveLength(64);
  });

  it('reuses a derived task definition registered earlier instead of registering again', async () => {
    const c = compute();
    await c.launch(launch());
    await c.launch(launch({ jobId: 'job-2' }));
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);

    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { ...base('slipway-medium-x'), status: 'ACTIVE' } });
    await compute().launch(launch());
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
  });

  it('returns the first task when the client token was already used with other parameters', async () => {
    const conflict = new Error('clientToken already in use');
    conflict.name = 'ConflictException';
    ecsMock.on(RunTaskCommand).rejects(conflict);
    ecsMock.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:us-east-1:111122223333:task/slipway/first'] });
    const result = await compute().launch(launch());
    expect(result.computeId).toBe('arn:aws:ecs:us-east-1:111122223333:task/slipway/first');
    expect(ecsMock.commandCalls(ListTasksCommand)[0].args[0].input.startedBy).toMatch(/^slipway-[0-9a-f]{32}$/);
  });

  it('throws ComputeCapacityError when Fargate reports no capacity', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'Capacity is unavailable at this time.' }] });
    await expect(compute().launch(launch())).rejects.toBeInstanceOf(ComputeCapacityError);
  });

  it('throws ComputeCapacityError when ECS throttles', async () => {
    const throttled = new Error('Rate exceeded');
    throttled.name = 'ThrottlingException';
    ecsMock.on(RunTaskCommand).rejects(throttled);
    const error = await compute()
      .launch(launch())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComputeCapacityError);
    expect((error as ComputeCapacityError).cause).toBe(throttled);
  });

  it('throws ValidationError for a failure that retrying does not fix', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'MISSING' }] });
    await expect(compute().launch(launch())).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects an unknown resource class naming the available ones', async () => {
    await expect(compute().launch(launch({}, { resourceClass: 'gpu.nvidia.small' }))).rejects.toThrow(/Use one of: small, medium/);
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('stops a task and ignores a task ECS no longer knows', async () => {
    ecsMock
      .on(StopTaskCommand)
      .resolvesOnce({})
      .callsFake(() => {
        const gone = new Error('The referenced task was not found.');
        gone.name = 'InvalidParameterException';
        throw gone;
      });
    await compute().stop('arn:task', 'canceled by user');
    await compute().stop('arn:task', 'canceled by user');
    expect(ecsMock.commandCalls(StopTaskCommand)[0].args[0].input).toEqual({ cluster: CLUSTER, task: 'arn:task', reason: 'canceled by user' });
  });
});
