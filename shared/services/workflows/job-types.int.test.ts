import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../../adapters/aws/dynamo-project-store';
import { SqsMessageQueue } from '../../adapters/aws/sqs-message-queue';
import type { Workflow } from '../../model/entities';
import { aJob, aJobPlan, aWorkflow } from '../../model/fixtures';
import { createTestResources } from '../../../test/support/aws';
import { advanceWorkflow } from './advance-workflow';
import type { ControlPlaneDeps } from '../deps';

type TestResources = Awaited<ReturnType<typeof createTestResources>>;

function conductorDeps(r: TestResources): ControlPlaneDeps {
  return {
    pipelines: new DynamoPipelineStore(r.table),
    projects: new DynamoProjectStore(r.table),
    contexts: { getContextByName: async () => undefined },
    queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls),
    clock: { now: () => new Date() },
  } as unknown as ControlPlaneDeps;
}

const always = ['success', 'failed', 'canceled', 'not_run'] as const;

/** lock (deploy-prod) → gate (no-op) → deploy (build) → unlock, in pipeline `number` of gh/acme/app. */
function lockedWorkflow(number: number) {
  const workflow = aWorkflow({ pipelineNumber: number, projectSlug: 'gh/acme/app' });
  const plan = (name: string, type: 'lock' | 'unlock' | 'no-op' | 'build', requires: string[], extra = {}) =>
    aJobPlan({
      name,
      type,
      requires: requires.map((job) => ({ job, statuses: type === 'unlock' ? [...always] : ['success'] })),
      ...(type === 'build' ? {} : { steps: [] }),
      ...extra,
    });
  const jobs = [
    aJob(workflow, { plan: plan('lock', 'lock', [], { serialGroup: 'deploy-prod' }) }),
    aJob(workflow, { plan: plan('gate', 'no-op', ['lock']) }),
    aJob(workflow, { plan: plan('deploy', 'build', ['gate']) }),
    aJob(workflow, { plan: plan('unlock', 'unlock', ['deploy'], { unlocks: 'deploy-prod' }) }),
  ];
  return { workflow, jobs };
}

async function statuses(store: DynamoPipelineStore, workflow: Workflow) {
  return Object.fromEntries((await store.listJobs(workflow.id)).map((j) => [j.name, j.status]));
}

describe('advanceWorkflow with jobs that run nothing', () => {
  it('a lock job holds its serial group past its own end until its workflow’s unlock job runs', async () => {
    const r = await createTestResources();
    const deps = conductorDeps(r);
    const store = deps.pipelines as DynamoPipelineStore;
    const first = lockedWorkflow(1);
    const second = lockedWorkflow(2);
    await store.createWorkflow(first.workflow, first.jobs);
    await store.createWorkflow(second.workflow, second.jobs);

    await advanceWorkflow(deps, { workflowId: first.workflow.id, event: { type: 'WorkflowCreated' } });
    // lock and gate ended at once without compute; only deploy was dispatched.
    expect(await statuses(store, first.workflow)).toEqual({ lock: 'success', gate: 'success', deploy: 'queued', unlock: 'blocked' });
    const got = await r.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: r.queueUrls.dispatch, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((got.Messages ?? []).map((m) => JSON.parse(m.Body!).jobId)).toEqual([first.jobs[2].id]);

    // The second pipeline's lock waits: the first lock job has ended, but its group is still held.
    await advanceWorkflow(deps, { workflowId: second.workflow.id, event: { type: 'WorkflowCreated' } });
    expect((await statuses(store, second.workflow)).lock).toBe('blocked');
    expect((await store.getSerialGroup('gh/acme/deploy-prod')).holder?.jobId).toBe(first.jobs[0].id);

    // The deploy fails; the unlock job runs anyway and gives the group back.
    await store.updateTask(first.workflow.id, first.jobs[2].id, 0, { status: 'queued' }, { status: 'failed', stoppedAt: new Date().toISOString() });
    await advanceWorkflow(deps, { workflowId: first.workflow.id, event: { type: 'TaskFinished', jobId: first.jobs[2].id } });
    expect(await statuses(store, first.workflow)).toEqual({ lock: 'success', gate: 'success', deploy: 'failed', unlock: 'success' });
    expect((await store.getWorkflow(first.workflow.id))?.status).toBe('failed');

    await advanceWorkflow(deps, { workflowId: second.workflow.id, event: { type: 'Reconcile' } });
    expect(await statuses(store, second.workflow)).toMatchObject({ lock: 'success', gate: 'success', deploy: 'queued' });
    expect((await store.getSerialGroup('gh/acme/deploy-prod')).holder?.jobId).toBe(second.jobs[0].id);
  });
});
