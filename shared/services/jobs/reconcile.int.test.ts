import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { SqsMessageQueue } from '../../adapters/aws/sqs-message-queue';
import { aPipeline } from '../../model/fixtures';
import { createTestResources } from '../../../test/support/aws';
import type { ControlPlaneDeps } from '../deps';
import { reconcile } from './reconcile';

describe('reconcile', () => {
  it('re-sends the trigger of pipelines pending longer than a minute, and of no other pipeline', async () => {
    const r = await createTestResources();
    const now = new Date('2026-12-01T12:00:00Z');
    const deps = {
      pipelines: new DynamoPipelineStore(r.table),
      queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls),
      clock: { now: () => now },
      leaseSeconds: 60,
    } as unknown as ControlPlaneDeps;
    const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
    const lost = aPipeline({ createdAt: ago(90), updatedAt: ago(90) });
    const fresh = aPipeline({ createdAt: ago(10), updatedAt: ago(10) });
    const processed = aPipeline({ createdAt: ago(300), updatedAt: ago(300) });
    for (const p of [lost, fresh, processed]) await deps.pipelines.createPipeline(p);
    await deps.pipelines.updatePipeline(processed.id, 'pending', { state: 'created' });

    expect(await reconcile(deps)).toMatchObject({ pipelinesRetriggered: 1 });
    const received = await r.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: r.queueUrls.triggers, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((received.Messages ?? []).map((m) => JSON.parse(m.Body!))).toEqual([{ type: 'PipelineTriggered', pipelineId: lost.id }]);
    // Only a full pass re-derives pipelines: a pass limited to some workflows (a Spot interruption) does not.
    expect(await reconcile(deps, { workflowIds: [] })).toMatchObject({ pipelinesRetriggered: 0 });
  });
});
