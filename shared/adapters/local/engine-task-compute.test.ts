import { deriveTaskDefinition } from '../aws/ecs-fargate-compute';
import { FARGATE_TASK_LAYOUT } from '../../model/resource-classes';
import { agentOverrides, containerRunArgs, localBaseTaskDefinition } from './engine-task-compute';

describe('EngineTaskCompute task definitions', () => {
  const def = deriveTaskDefinition(localBaseTaskDefinition('localhost/slipway-agent:t'), 'f', [
    { image: 'cimg/base:stable', environment: {}, user: 'circleci' },
    { image: 'postgres:16', name: 'db', environment: { POSTGRES_DB: 'ci' }, entrypoint: ['docker-entrypoint.sh', '-x'], command: ['postgres'] },
  ]);

  it('runs the definition the dispatcher registers: agent sidecar, primary running the shim, services', () => {
    expect(def.containerDefinitions.map((c) => [c.name, c.image])).toEqual([
      ['agent', 'localhost/slipway-agent:t'],
      ['primary', 'cimg/base:stable'],
      ['db', 'postgres:16'],
    ]);
    expect(def.volumes).toEqual([{ name: FARGATE_TASK_LAYOUT.sharedVolume }]);
  });

  it('translates each container to docker run in the pause container namespace, with volumes, environment and overrides', () => {
    const volumes = { slipway: 'slipway-task-x-slipway' };
    const labels = { 'io.slipway.task': 'x' };
    const [agent, primary, db] = def.containerDefinitions;
    const overrides = agentOverrides({ controlPlaneUrl: 'http://127.0.0.1:4000', taskToken: 'jwt', taskCode: 'one-time' } as never);
    expect(containerRunArgs({ name: 'x-agent', pause: 'x-pause', def: agent, volumes, env: overrides, labels })).toEqual([
      'run',
      '-d',
      '--name',
      'x-agent',
      '--network',
      'container:x-pause',
      '--label',
      'io.slipway.task=x',
      '-v',
      'slipway-task-x-slipway:/slipway',
      '-e',
      'SLIPWAY_SHIM_DIR=/slipway/steps',
      '-e',
      'SLIPWAY_SHIM_PATH=/slipway/bin/shim',
      '-e',
      'SLIPWAY_WORK_ROOT=/slipway/work',
      '-e',
      'SLIPWAY_URL=http://127.0.0.1:4000',
      '-e',
      'SLIPWAY_TASK_CODE=one-time',
      'localhost/slipway-agent:t',
    ]);
    expect(containerRunArgs({ name: 'x-primary', pause: 'x-pause', def: primary, volumes, labels }).slice(-7)).toEqual([
      '--user',
      'circleci',
      '--entrypoint',
      '/bin/sh',
      'cimg/base:stable',
      '-c',
      FARGATE_TASK_LAYOUT.primaryCommand,
    ]);
    expect(containerRunArgs({ name: 'x-db', pause: 'x-pause', def: db, volumes, labels }).slice(-7)).toEqual([
      '-e',
      'POSTGRES_DB=ci',
      '--entrypoint',
      'docker-entrypoint.sh',
      'postgres:16',
      '-x',
      'postgres',
    ]);
  });
});
