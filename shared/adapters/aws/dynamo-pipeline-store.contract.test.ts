import { definePipelineStoreContract } from '../../ports/pipeline-store.contract';
import { aJob, aWorkflow } from '../../model/fixtures';
import { createTestResources } from '../../../test/support/aws';
import { DynamoPipelineStore } from './dynamo-pipeline-store';
import { DynamoTable, type Item } from './dynamo-table';

definePipelineStoreContract('DynamoPipelineStore on dynalite', async () => {
  const { table } = await createTestResources({ queues: false });
  return new DynamoPipelineStore(table);
});

describe('DynamoPipelineStore.createWorkflow', () => {
  it('never overwrites a job that another consumer wrote after this one read (a stale duplicate)', async () => {
    const { clients, tableName } = await createTestResources({ queues: false });
    const wf = aWorkflow();
    const jobs = Array.from({ length: 40 }, (_, i) => aJob(wf, { name: `job-${i}` }));
    const ran = { ...jobs[7], status: 'success' as const, number: 12, version: 3 };
    // The other consumer's writes land between this consumer's reads and its first write (it stalled).
    class StalledTable extends DynamoTable {
      private stalled = false;
      private async otherConsumerWrites() {
        if (this.stalled) return;
        this.stalled = true;
        await super.put({ pk: `WORKFLOW#${wf.id}`, sk: `JOB#${ran.id}`, gsi1pk: `JOB#${ran.id}`, gsi1sk: 'JOB', entity: 'job', ...ran });
      }
      override async put(item: Item, options?: { ifNotExists?: boolean }) {
        await this.otherConsumerWrites();
        return super.put(item, options);
      }
      override async putMany(items: Item[]) {
        await this.otherConsumerWrites();
        return super.putMany(items);
      }
    }
    const store = new DynamoPipelineStore(new StalledTable(clients.dynamo, tableName));
    expect(await store.createWorkflow(wf, jobs)).toBe(true);
    const stored = await store.listJobs(wf.id);
    expect(stored).toHaveLength(40);
    expect(stored.find((j) => j.id === ran.id)).toMatchObject({ status: 'success', number: 12, version: 3 });
    expect(stored.filter((j) => j.status === 'blocked')).toHaveLength(39);
    expect(await store.createWorkflow(wf, jobs)).toBe(false);
  });
});
