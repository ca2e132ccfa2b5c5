import { definePipelineStoreContract } from '../../ports/pipeline-store.contract';
import { aJob, aJobPlan, aPipeline, aWorkflow } from '../../model/fixtures';
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

describe('DynamoPipelineStore: large attributes stored packed', () => {
  const command = 'for i in $(seq 1 20); do head -c 3400 /dev/zero | tr "\\0" x | fold -w 99; echo; sleep 1.00; done; echo report > artifact.txt';
  const plan = aJobPlan({
    steps: Array.from({ length: 5 }, (_, i) => ({
      type: 'run' as const,
      name: `${command} # ${i}`,
      command: `${command} # ${i}`,
      environment: {},
      background: false,
      noOutputTimeoutSeconds: 600,
      when: 'on_success' as const,
      position: { file: '.circleci/config.yml', line: 8 + i, column: 9 },
    })),
  });
  const steps = plan.steps.map((s, index) => ({
    index,
    name: s.name,
    type: s.type,
    actions: [
      { index: 0, status: 'success' as const, startedAt: '2026-12-07T10:00:00.000Z', stoppedAt: '2026-12-07T10:00:20.000Z', exitCode: 0, outputBytes: 68_000 },
    ],
  }));
  /** Bytes of a stored item roughly as DynamoDB sizes it: names and values, binary by its length. */
  const size = (v: unknown): number =>
    v instanceof Uint8Array
      ? v.byteLength
      : Array.isArray(v)
        ? v.reduce((a: number, x) => a + size(x), 0)
        : v && typeof v === 'object'
          ? Object.entries(v).reduce((a, [k, x]) => a + k.length + size(x), 0)
          : String(v).length;

  it("keeps a job's plan and its steps as binary, a fraction of their size, and reads them back whole", async () => {
    const { table } = await createTestResources({ queues: false });
    const store = new DynamoPipelineStore(table);
    const wf = aWorkflow();
    const job = aJob(wf, { plan, status: 'running', tasks: [{ index: 0, status: 'running', attempt: 0, steps: [] }] });
    expect(await store.createWorkflow(wf, [job])).toBe(true);
    const updated = await store.updateTask(wf.id, job.id, 0, { status: 'running', attempt: 0 }, { heartbeatAt: 'now', steps });
    expect(updated?.tasks[0]).toMatchObject({ heartbeatAt: 'now', steps });
    expect(await store.getJob(wf.id, job.id)).toEqual({ ...job, tasks: [{ ...job.tasks[0], heartbeatAt: 'now', steps }], version: 1 });
    const raw = (await table.get(jobKey(wf.id, job.id)))!;
    expect(raw).not.toHaveProperty('plan');
    expect(raw.planZ).toBeInstanceOf(Uint8Array);
    const rawTask = (raw.tasks as Array<Record<string, unknown>>)[0];
    expect(rawTask).not.toHaveProperty('steps');
    expect(rawTask.stepsZ).toBeInstanceOf(Uint8Array);
    const plain = { ...raw, plan, tasks: [{ ...rawTask, stepsZ: undefined, steps }], planZ: undefined };
    expect(size(raw)).toBeLessThan(size(JSON.parse(JSON.stringify(plain))) / 2);
  });

  it('reads and updates a job and a pipeline written before packing, the update then packed', async () => {
    const { table } = await createTestResources({ queues: false });
    const store = new DynamoPipelineStore(table);
    const wf = aWorkflow();
    const job = aJob(wf, { plan, status: 'running', tasks: [{ index: 0, status: 'running', attempt: 0, steps: steps.slice(0, 2) }] });
    await table.put({ ...jobKey(wf.id, job.id), gsi1pk: `JOB#${job.id}`, gsi1sk: 'JOB', entity: 'job', ...job });
    expect(await store.getJob(wf.id, job.id)).toEqual(job);
    expect(await store.getJobById(job.id)).toEqual(job);
    expect((await store.updateTask(wf.id, job.id, 0, { status: 'running', attempt: 0 }, { steps }))?.tasks[0].steps).toEqual(steps);
    expect((await store.getJob(wf.id, job.id))?.tasks[0].steps).toEqual(steps);
    expect((await store.updateJob(wf.id, job.id, 'running', { status: 'success' }))?.plan).toEqual(plan);

    const pipeline = aPipeline({ configSource: 'version: 2.1\n' });
    await table.put({ pk: `PIPELINE#${pipeline.id}`, sk: 'META', entity: 'pipeline', ...pipeline });
    expect(await store.getPipeline(pipeline.id)).toEqual(pipeline);
    const next = await store.updatePipeline(pipeline.id, pipeline.state, { state: 'created', configSource: 'version: 2.1\njobs: {}\n', plan: undefined });
    expect(next).toMatchObject({ state: 'created', configSource: 'version: 2.1\njobs: {}\n' });
    expect(next).not.toHaveProperty('plan');
    expect((await table.get({ pk: `PIPELINE#${pipeline.id}`, sk: 'META' }))?.configSourceZ).toBeInstanceOf(Uint8Array);
  });
});
