import { FakeAutoScaling } from '../../../test/support/fake-aws-compute';
import { contractTask, defineJobComputeContract } from '../../ports/job-compute.contract';
import { AsgMachineCompute } from './asg-machine-compute';

defineJobComputeContract('AsgMachineCompute (EC2 Auto Scaling at the request level)', async () => {
  const autoscaling = new FakeAutoScaling();
  autoscaling.groups.set('slipway-machine-medium', { min: 0, max: 10, desired: 0 });
  // The store's view: the tasks of the class that are queued (every task the contract builds is).
  const queued = new Set<string>();
  const compute = new AsgMachineCompute(autoscaling.client(), { groups: { medium: 'slipway-machine-medium' }, demand: async () => queued.size });
  const build = contractTask({ type: 'machine', resourceClass: 'medium', images: [], machineImage: 'ubuntu-2204:current' });
  return {
    compute,
    task: (key) => {
      const task = build(key);
      queued.add(`${task.jobId}:${task.taskIndex}:${task.attempt}`);
      return task;
    },
    running: async () => autoscaling.groups.get('slipway-machine-medium')!.desired,
    ended: async () => undefined,
    unknownId: 'pool:large',
    pooled: true,
  };
});
