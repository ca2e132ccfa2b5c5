import { FakeAutoScaling } from '../../../test/support/fake-aws-compute';
import { defineJobComputeContract } from '../../ports/job-compute.contract';
import { AsgMachineCompute } from './asg-machine-compute';

defineJobComputeContract('AsgMachineCompute (EC2 Auto Scaling at the request level)', async () => {
  const autoscaling = new FakeAutoScaling();
  autoscaling.groups.set('slipway-machine-medium', { min: 0, max: 10, desired: 0 });
  // The store's view: the tasks of the class that are queued (every task the contract builds is).
  const queued = new Set<string>();
  const compute = new AsgMachineCompute(autoscaling.client(), { groups: { medium: 'slipway-machine-medium' }, demand: async () => queued.size });
  return {
    compute,
    task: ({ jobId, taskIndex = 0, attempt = 1, taskToken = 'token' }) => {
      queued.add(`${jobId}:${taskIndex}:${attempt}`);
      return {
        jobId,
        workflowId: 'wf-1',
        projectSlug: 'gh/acme/app',
        taskIndex,
        attempt,
        taskToken,
        taskCode: `code-${jobId}`,
        controlPlaneUrl: 'https://ci.example.com',
        executor: { type: 'machine', resourceClass: 'medium', images: [], machineImage: 'ubuntu-2204:current' },
      };
    },
    running: async () => autoscaling.groups.get('slipway-machine-medium')!.desired,
    ended: async () => undefined,
    unknownId: 'pool:large',
    pooled: true,
  };
});
