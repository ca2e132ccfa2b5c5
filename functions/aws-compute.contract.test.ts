import { DynamoPipelineStore } from '../shared/adapters/aws/dynamo-pipeline-store';
import { DynamoRunnerStore } from '../shared/adapters/aws/dynamo-runner-store';
import { machineRunnerClass } from '../shared/model/resource-classes';
import { contractTask, defineJobComputeContract } from '../shared/ports/job-compute.contract';
import { createTestResources, resourceEnvironment } from '../test/support/aws';
import { FakeAutoScaling, FakeEcs } from '../test/support/fake-aws-compute';
import { createAwsCompute } from './aws-compute';
import { readEnv } from './env';

/** AWS compute as the composition root builds it: ECS and Auto Scaling at the request level, the store on dynalite. */
async function awsCompute() {
  const r = await createTestResources();
  const ecs = new FakeEcs();
  const base = ecs.registerAgentBase();
  const autoscaling = new FakeAutoScaling();
  autoscaling.groups.set('slipway-machine-medium', { min: 0, max: 10, desired: 0 });
  const env = readEnv({
    ...resourceEnvironment(r),
    PUBLIC_URL: 'https://ci.example.com',
    ...ecs.functionEnvironment(base),
    MACHINE_ASGS: JSON.stringify({ medium: 'slipway-machine-medium' }),
  });
  const pipelines = new DynamoPipelineStore(r.table);
  const runners = new DynamoRunnerStore(r.table);
  const compute = createAwsCompute(
    env,
    () => pipelines,
    () => runners,
    { ecs: ecs.client(), autoscaling: autoscaling.client() },
  );
  return { compute, ecs, runners };
}

defineJobComputeContract('createAwsCompute, docker executor (Fargate)', async () => {
  const { compute, ecs } = await awsCompute();
  return {
    compute,
    task: contractTask({ type: 'docker', resourceClass: 'medium', images: [{ image: 'cimg/base:stable', environment: {} }] }),
    running: async () => ecs.running(),
    ended: async (id) => expect(ecs.tasks.find((t) => t.taskArn === id)?.lastStatus).toBe('STOPPED'),
    unknownId: 'arn:aws:ecs:us-east-1:111122223333:task/slipway/0123456789abcdef0123456789abcdef',
  };
});

defineJobComputeContract('createAwsCompute, machine executor (EC2 pool capacity + a runner queue entry per task)', async () => {
  const { compute, runners } = await awsCompute();
  return {
    compute,
    task: contractTask({ type: 'machine', resourceClass: 'medium', images: [], machineImage: 'ubuntu-2204:current' }),
    running: async () => (await runners.listQueued(machineRunnerClass('medium'))).length,
    ended: async () => undefined,
    unknownId: `runner:${JSON.stringify({ resourceClass: machineRunnerClass('medium'), workflowId: 'wf-9', jobId: 'job-9', taskIndex: 0, attempt: 1 })}`,
  };
});
