import { FakeEcs } from '../../../test/support/fake-aws-compute';
import { contractTask, defineJobComputeContract } from '../../ports/job-compute.contract';
import { EcsFargateCompute } from './ecs-fargate-compute';

defineJobComputeContract('EcsFargateCompute (ECS at the request level)', async () => {
  const ecs = new FakeEcs();
  const base = ecs.registerAgentBase('slipway-medium', {
    cpu: '2048',
    memory: '4096',
    volumes: [{ name: 'slipway' }],
    containerDefinitions: [{ name: 'agent', image: 'public.ecr.aws/slipway/agent:latest', essential: true }],
  });
  const compute = new EcsFargateCompute(ecs.client(), {
    cluster: 'slipway',
    subnets: ['subnet-a'],
    securityGroups: ['sg-1'],
    taskDefinitions: { medium: base },
  });
  return {
    compute,
    task: contractTask({ type: 'docker', resourceClass: 'medium', images: [{ image: 'cimg/base:stable', environment: {} }] }),
    running: async () => ecs.running(),
    ended: async (id) => expect(ecs.tasks.find((t) => t.taskArn === id)?.lastStatus).toBe('STOPPED'),
    unknownId: 'arn:aws:ecs:us-east-1:111122223333:task/slipway/0123456789abcdef0123456789abcdef',
  };
});
