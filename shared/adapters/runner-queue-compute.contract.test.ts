import { createTestResources } from '../../test/support/aws';
import { DynamoRunnerStore } from './aws/dynamo-runner-store';
import { systemClock } from '../ports/clock';
import type { JobCompute } from '../ports/job-compute';
import { contractTask, defineJobComputeContract } from '../ports/job-compute.contract';
import { RunnerQueueCompute } from './runner-queue-compute';

const refuse: JobCompute = {
  launch: async () => {
    throw new Error('only self-hosted runner tasks in this contract');
  },
  stop: async () => undefined,
  find: async () => undefined,
};

defineJobComputeContract('RunnerQueueCompute (the self-hosted runner queue, on dynalite)', async () => {
  const runners = new DynamoRunnerStore((await createTestResources({ queues: false })).table);
  return {
    compute: new RunnerQueueCompute(refuse, runners, systemClock),
    task: contractTask({ type: 'runner', resourceClass: 'acme/linux', images: [] }),
    running: async () => (await runners.listQueued('acme/linux')).length,
    ended: async () => undefined,
    unknownId: `runner:${JSON.stringify({ resourceClass: 'acme/linux', workflowId: 'wf-9', jobId: 'job-9', taskIndex: 0, attempt: 1 })}`,
  };
});
