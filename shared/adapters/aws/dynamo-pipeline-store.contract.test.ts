import { definePipelineStoreContract } from '../../ports/pipeline-store.contract';
import { aJob, aWorkflow } from '../../model/fixtures';
import { createTestResources } from '../../../test/support/aws';
import { jobKey, jobShard, JOB_SHARDS } from './dynamo-job-keys';
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
        await super.put({ ...jobKey(wf.id, ran.id), gsi1pk: `JOB#${ran.id}`, gsi1sk: 'JOB', entity: 'job', ...ran });
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

describe("DynamoPipelineStore: a workflow's jobs over several partition keys", () => {
  it("spreads a large workflow's jobs over every shard and lists them all, ordered by id", async () => {
    const { table, clients, tableName } = await createTestResources({ queues: false });
    const store = new DynamoPipelineStore(table);
    const wf = aWorkflow();
    const jobs = Array.from({ length: 60 }, (_, i) => aJob(wf, { name: `job-${i}` }));
    expect(await store.createWorkflow(wf, jobs)).toBe(true);
    const listed = await store.listJobs(wf.id);
    expect(listed.map((j) => j.id)).toEqual(jobs.map((j) => j.id).sort());
    const partitions = new Set(jobs.map((j) => jobKey(wf.id, j.id).pk));
    expect(partitions.size).toBe(JOB_SHARDS);
    for (const pk of partitions) expect(await new DynamoTable(clients.dynamo, tableName).queryAll({ partition: pk, prefix: 'JOB#' })).not.toHaveLength(0);
  });

  it("finds, lists and updates a job written by an earlier version under the workflow's own partition", async () => {
    const { table } = await createTestResources({ queues: false });
    const store = new DynamoPipelineStore(table);
    const wf = aWorkflow();
    const legacy = Array.from({ length: 12 }, (_, i) => aJob(wf, { name: `old-${i}` })).find((j) => jobShard(j.id) !== 0)!;
    await table.put({ pk: `WORKFLOW#${wf.id}`, sk: `JOB#${legacy.id}`, gsi1pk: `JOB#${legacy.id}`, gsi1sk: 'JOB', entity: 'job', ...legacy });
    expect(await store.getJob(wf.id, legacy.id)).toMatchObject({ id: legacy.id, status: legacy.status });
    expect((await store.listJobs(wf.id)).map((j) => j.id)).toEqual([legacy.id]);
    expect(await store.updateJob(wf.id, legacy.id, legacy.status, { status: 'queued', number: 7 })).toMatchObject({ status: 'queued', number: 7 });
    expect(await store.updateJob(wf.id, legacy.id, legacy.status, { status: 'queued' })).toBeUndefined();
    expect(await store.getJobByNumber(wf.projectSlug, 7)).toMatchObject({ id: legacy.id, status: 'queued' });
    expect(await table.get(jobKey(wf.id, legacy.id))).toBeUndefined();
  });
});
