import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoPipelineStore } from '../adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../adapters/aws/dynamo-project-store';
import { SqsMessageQueue } from '../adapters/aws/sqs-message-queue';
import { aJob, aWorkflow } from '../model/fixtures';
import type { PipelineStore } from '../ports/pipeline-store';
import { createTestResources } from '../../test/support/aws';
import { advanceWorkflow } from './advance-workflow';
import type { ControlPlaneDeps } from './deps';

describe('advanceWorkflow', () => {
  it('dispatches a job whose queueing write landed although its response was lost', async () => {
    const r = await createTestResources();
    const store = new DynamoPipelineStore(r.table);
    // The write happens, then the caller sees a failed condition: what an SDK retry after a lost response does.
    const lossy: PipelineStore = Object.assign(Object.create(store), {
      updateJob: async (...args: Parameters<PipelineStore['updateJob']>) => {
        const written = await store.updateJob(...args);
        return args[3].status === 'queued' ? undefined : written;
      },
    });
    const deps = {
      pipelines: lossy,
      projects: new DynamoProjectStore(r.table),
      contexts: { getContextByName: async () => undefined },
      queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls),
      clock: { now: () => new Date() },
    } as unknown as ControlPlaneDeps;
    const workflow = aWorkflow();
    const job = aJob(workflow);
    await store.createWorkflow(workflow, [job]);

    await advanceWorkflow(deps, { workflowId: workflow.id, event: { type: 'WorkflowCreated' } });

    expect((await store.getJob(workflow.id, job.id))?.status).toBe('queued');
    const got = await r.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: r.queueUrls.dispatch, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((got.Messages ?? []).map((m) => JSON.parse(m.Body!))).toEqual([{ workflowId: workflow.id, jobId: job.id, taskIndex: 0, attempt: 0 }]);
  });
});
