import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../../adapters/aws/dynamo-project-store';
import { SqsMessageQueue } from '../../adapters/aws/sqs-message-queue';
import { aJob, aWorkflow } from '../../model/fixtures';
import type { PipelineStore } from '../../ports/pipeline-store';
import { createTestResources } from '../../../test/support/aws';
import { advanceWorkflow } from './advance-workflow';
import type { ControlPlaneDeps } from '../deps';

type TestResources = Awaited<ReturnType<typeof createTestResources>>;

/** The conductor's dependencies on the test resources: the real stores and queue, no contexts; `parts` replaces some. */
function conductorDeps(r: TestResources, parts: Partial<Record<keyof ControlPlaneDeps, unknown>> = {}): ControlPlaneDeps {
  return {
    pipelines: new DynamoPipelineStore(r.table),
    projects: new DynamoProjectStore(r.table),
    contexts: { getContextByName: async () => undefined },
    queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls),
    clock: { now: () => new Date() },
    ...parts,
  } as unknown as ControlPlaneDeps;
}

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
    const deps = conductorDeps(r, { pipelines: lossy });
    const workflow = aWorkflow();
    const job = aJob(workflow);
    await store.createWorkflow(workflow, [job]);

    await advanceWorkflow(deps, { workflowId: workflow.id, event: { type: 'WorkflowCreated' } });

    expect((await store.getJob(workflow.id, job.id))?.status).toBe('queued');
    const got = await r.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: r.queueUrls.dispatch, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((got.Messages ?? []).map((m) => JSON.parse(m.Body!))).toEqual([{ workflowId: workflow.id, jobId: job.id, taskIndex: 0, attempt: 0 }]);
  });

  it('records the dashboard metrics after the writes that made the changes', async () => {
    const r = await createTestResources();
    const store = new DynamoPipelineStore(r.table);
    const recorded: Array<[string, number, Record<string, string> | undefined]> = [];
    const deps = conductorDeps(r, {
      pipelines: store,
      metrics: { record: (name: string, value: number, dims?: Record<string, string>) => void recorded.push([name, value, dims]) },
    });
    const workflow = aWorkflow();
    const job = aJob(workflow);
    await store.createWorkflow(workflow, [job]);
    await advanceWorkflow(deps, { workflowId: workflow.id, event: { type: 'WorkflowCreated' } });
    await advanceWorkflow(deps, { workflowId: workflow.id, event: { type: 'WorkflowCreated' } });
    expect(recorded.map((m) => m[0])).toEqual(['JobsQueued']);
    const startedAt = new Date(Date.now() - 1000).toISOString();
    await store.updateTask(workflow.id, job.id, 0, { status: 'queued' }, { status: 'success', startedAt, stoppedAt: new Date().toISOString() });
    await advanceWorkflow(deps, { workflowId: workflow.id, event: { type: 'TaskFinished', jobId: job.id } });
    expect(recorded.find((m) => m[0] === 'JobsFinished')).toEqual(['JobsFinished', 1, { status: 'success' }]);
    expect(recorded.find((m) => m[0] === 'JobDurationMs')![1]).toBeGreaterThanOrEqual(1000);
  });

  it('queues the jobs of a fan-out at once, numbered from one block of the project counter, each dispatched once', async () => {
    const r = await createTestResources();
    const store = new DynamoPipelineStore(r.table);
    const projects = new DynamoProjectStore(r.table);
    const counted: number[] = [];
    const deps = conductorDeps(r, {
      pipelines: store,
      projects: Object.assign(Object.create(projects), {
        nextNumber: (slug: string, kind: 'job' | 'pipeline', count?: number) => (counted.push(count ?? 1), projects.nextNumber(slug, kind, count)),
      }),
    });
    const workflow = aWorkflow();
    // More jobs than the conductor queues at a time.
    const jobs = Array.from({ length: 40 }, (_, i) => aJob(workflow, { name: `fan-${i}` }));
    await store.createWorkflow(workflow, jobs);
    await projects.nextNumber(workflow.projectSlug, 'job', 10); // earlier jobs of the project
    await advanceWorkflow(deps, { workflowId: workflow.id, event: { type: 'WorkflowCreated' } });
    expect(counted).toEqual([40]);
    const queued = await store.listJobs(workflow.id);
    expect(queued.map((j) => j.status)).toEqual(jobs.map(() => 'queued'));
    expect(queued.map((j) => j.number).sort((a, b) => a! - b!)).toEqual(jobs.map((_, i) => 11 + i));
    const dispatched: string[] = [];
    for (let got; (got = await r.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: r.queueUrls.dispatch, MaxNumberOfMessages: 10 }))).Messages?.length;) {
      dispatched.push(...got.Messages!.map((m) => (JSON.parse(m.Body!) as { jobId: string }).jobId));
    }
    expect(dispatched.sort()).toEqual(jobs.map((j) => j.id).sort());
  });
});
