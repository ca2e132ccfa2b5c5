import type { Job, Pipeline, TaskState, Workflow } from '../../model/entities';
import { isTerminalWorkflow, type JobStatus, type PipelineState, type WorkflowStatus } from '../../model/statuses';
import type { Page, PipelineStore, SerialGroupEntry, SerialGroupLock } from '../../ports/pipeline-store';
import { jobKey, jobPartitions, legacyJobKey } from './dynamo-job-keys';
import { packFields, packJob, PIPELINE_PACKED, TASK_PACKED, unpackFields, unpackJob } from './dynamo-packed';
import { decodePageToken, DynamoTable, encodePageToken, pad, toEntity, type Item, type Key } from './dynamo-table';

const toPipeline = (item: Item | undefined) => toEntity<Pipeline>(item && unpackFields(item, PIPELINE_PACKED));
const toJob = (item: Item | undefined) => toEntity<Job>(unpackJob(item));

const pipelineKey = (id: string) => ({ pk: `PIPELINE#${id}`, sk: 'META' });
const workflowKey = (id: string) => ({ pk: `WORKFLOW#${id}`, sk: 'META' });
const serialGroupKey = (key: string) => ({ pk: `SERIALGROUP#${key}`, sk: 'LOCK' });
/** The gsi2 partition of pipelines still `pending` (their trigger message not processed yet). */
const PENDING_PIPELINES = 'ACTIVE#PIPELINE';
/** Conditional job puts in flight at once while a workflow is created. */
const JOB_WRITE_CONCURRENCY = 16;

/**
 * Pipelines, workflows and jobs in the single DynamoDB table.
 * - pipeline: `PIPELINE#id`; gsi1 `PROJECT#slug#PIPELINES` / number (list newest first, by number);
 *   gsi2 `ACTIVE#PIPELINE` / created while `pending` (a sparse index: the reconciler finds lost triggers)
 * - workflow: `WORKFLOW#id`; gsi1 `PIPELINE#id#WORKFLOWS`; gsi2 `ACTIVE#WORKFLOW` while not terminal
 * - job: `WORKFLOW#wf[#shard]` / `JOB#id` (a workflow's jobs spread over `JOB_SHARDS` partitions by job id,
 *   read by one query each); gsi1 `JOB#id` (by id); gsi2 `PROJECT#slug#JOBS` / number once numbered
 */
export class DynamoPipelineStore implements PipelineStore {
  constructor(private readonly table: DynamoTable) {}

  private pipelineItem(p: Pipeline): Item {
    return packFields(
      {
        ...pipelineKey(p.id),
        gsi1pk: `PROJECT#${p.projectSlug}#PIPELINES`,
        gsi1sk: pad(p.number),
        ...(p.state === 'pending' ? { gsi2pk: PENDING_PIPELINES, gsi2sk: `${p.createdAt}#${p.id}` } : {}),
        entity: 'pipeline',
        ...p,
      },
      PIPELINE_PACKED,
    );
  }

  createPipeline(pipeline: Pipeline): Promise<boolean> {
    return this.table.put(this.pipelineItem(pipeline), { ifNotExists: true });
  }

  async getPipeline(id: string): Promise<Pipeline | undefined> {
    return toPipeline(await this.table.get(pipelineKey(id)));
  }

  async getPipelineByNumber(projectSlug: string, number: number): Promise<Pipeline | undefined> {
    const { items } = await this.table.query({ index: 'gsi1', partition: `PROJECT#${projectSlug}#PIPELINES`, equals: pad(number) });
    return items[0] ? this.getPipeline(String(items[0].id)) : undefined;
  }

  async listPipelines(projectSlug: string, options: { pageToken?: string; limit?: number; branch?: string } = {}): Promise<Page<Pipeline>> {
    const limit = options.limit ?? 20;
    const items: Pipeline[] = [];
    let startKey = decodePageToken(options.pageToken);
    // A branch filter is applied while paging, so a page is full unless the list ended.
    for (;;) {
      const page = await this.table.query({
        index: 'gsi1',
        partition: `PROJECT#${projectSlug}#PIPELINES`,
        descending: true,
        limit: limit - items.length,
        startKey,
      });
      for (const it of page.items) {
        const p = toPipeline(it)!;
        if (!options.branch || p.vcs.branch === options.branch) items.push(p);
      }
      startKey = page.lastKey;
      if (!startKey || items.length >= limit) break;
    }
    return { items, nextPageToken: encodePageToken(startKey) };
  }

  async updatePipeline(id: string, expected: PipelineState, patch: Partial<Pipeline>): Promise<Pipeline | undefined> {
    const { id: _id, ...set } = patch;
    // Leaving `pending` leaves the sparse index of pending pipelines.
    const extra = set.state && set.state !== 'pending' ? { gsi2pk: undefined, gsi2sk: undefined } : {};
    const item = await this.table.update(
      pipelineKey(id),
      { set: packFields({ ...set, ...extra }, PIPELINE_PACKED) },
      {
        expression: '#st = :expected',
        names: { '#st': 'state' },
        values: { ':expected': expected },
      },
    );
    return toPipeline(item);
  }

  async listPendingPipelines(): Promise<Pipeline[]> {
    const items = await this.table.queryAll({ index: 'gsi2', partition: PENDING_PIPELINES });
    // The index is eventually consistent: re-read each pipeline for its current state.
    const all = await Promise.all(items.map((i) => this.getPipeline(String(i.id))));
    return all.filter((p): p is Pipeline => p?.state === 'pending');
  }

  private workflowItem(w: Workflow): Item {
    return {
      ...workflowKey(w.id),
      gsi1pk: `PIPELINE#${w.pipelineId}#WORKFLOWS`,
      gsi1sk: `${w.createdAt}#${w.id}`,
      ...(isTerminalWorkflow(w.status) ? {} : { gsi2pk: 'ACTIVE#WORKFLOW', gsi2sk: `${w.createdAt}#${w.id}` }),
      entity: 'workflow',
      ...w,
    };
  }

  private jobItem(j: Job): Item {
    return packJob({
      ...jobKey(j.workflowId, j.id),
      gsi1pk: `JOB#${j.id}`,
      gsi1sk: 'JOB',
      ...(j.number !== undefined ? { gsi2pk: `PROJECT#${j.projectSlug}#JOBS`, gsi2sk: pad(j.number) } : {}),
      entity: 'job',
      ...j,
    });
  }

  async createWorkflow(workflow: Workflow, jobs: Job[]): Promise<boolean> {
    if (await this.table.get(workflowKey(workflow.id))) return false;
    // Jobs first: a workflow item is only ever visible together with all its jobs. Each job is created only if
    // absent, so a stale duplicate (one that read before another consumer's writes) never resets a job that
    // has since been queued or has run.
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) await this.table.put(this.jobItem(jobs[next++]), { ifNotExists: true });
    };
    await Promise.all(Array.from({ length: Math.min(JOB_WRITE_CONCURRENCY, jobs.length) }, worker));
    return this.table.put(this.workflowItem(workflow), { ifNotExists: true });
  }

  async getWorkflow(id: string): Promise<Workflow | undefined> {
    return toEntity<Workflow>(await this.table.get(workflowKey(id)));
  }

  async listWorkflows(pipelineId: string): Promise<Workflow[]> {
    const items = await this.table.queryAll({ index: 'gsi1', partition: `PIPELINE#${pipelineId}#WORKFLOWS` });
    // The index is eventually consistent: re-read each workflow for its current state.
    const all = await Promise.all(items.map((i) => this.getWorkflow(String(i.id))));
    return all.filter((w): w is Workflow => Boolean(w));
  }

  async updateWorkflow(id: string, expected: WorkflowStatus, patch: Partial<Workflow>): Promise<Workflow | undefined> {
    const { id: _id, version: _v, ...set } = patch;
    const extra: Record<string, unknown> = {};
    if (set.status && isTerminalWorkflow(set.status)) Object.assign(extra, { gsi2pk: undefined, gsi2sk: undefined });
    const item = await this.table.update(
      workflowKey(id),
      { set: { ...set, ...extra }, add: { version: 1 } },
      { expression: '#st = :expected', names: { '#st': 'status' }, values: { ':expected': expected } },
    );
    return toEntity<Workflow>(item);
  }

  async getJob(workflowId: string, jobId: string): Promise<Job | undefined> {
    const legacy = legacyJobKey(workflowId, jobId);
    const item = (await this.table.get(jobKey(workflowId, jobId))) ?? (legacy && (await this.table.get(legacy)));
    return toJob(item);
  }

  /** The workflow's jobs from all its shards, ordered by id as one partition would list them. */
  async listJobs(workflowId: string): Promise<Job[]> {
    const shards = await Promise.all(jobPartitions(workflowId).map((partition) => this.table.queryAll({ partition, prefix: 'JOB#', consistent: true })));
    const items = shards.flat().sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0));
    return items.map((i) => toJob(i)!);
  }

  async getJobByNumber(projectSlug: string, number: number): Promise<Job | undefined> {
    const { items } = await this.table.query({ index: 'gsi2', partition: `PROJECT#${projectSlug}#JOBS`, equals: pad(number), consistent: true });
    return toJob(items[0]);
  }

  async getJobById(jobId: string): Promise<Job | undefined> {
    const { items } = await this.table.query({ index: 'gsi1', partition: `JOB#${jobId}`, consistent: true });
    return toJob(items[0]);
  }

  /**
   * A conditional update of a job at its key; when the condition fails because no job is there, at the key jobs
   * of a workflow created by an earlier version live under (see `legacyJobKey`).
   */
  private async updateJobItem(workflowId: string, jobId: string, update: (key: Key) => Promise<Item | undefined>): Promise<Item | undefined> {
    const key = jobKey(workflowId, jobId);
    const item = await update(key);
    const legacy = legacyJobKey(workflowId, jobId);
    if (item || !legacy || (await this.table.get(key))) return item;
    return update(legacy);
  }

  async updateJob(workflowId: string, jobId: string, expected: JobStatus, patch: Partial<Job>): Promise<Job | undefined> {
    const { id: _id, version: _v, ...set } = patch;
    const extra: Record<string, unknown> = {};
    if (set.number !== undefined) {
      const slug = set.projectSlug ?? (await this.getJob(workflowId, jobId))?.projectSlug;
      Object.assign(extra, { gsi2pk: `PROJECT#${slug}#JOBS`, gsi2sk: pad(set.number) });
    }
    const item = await this.updateJobItem(workflowId, jobId, (key) =>
      this.table.update(
        key,
        { set: packJob({ ...set, ...extra }), add: { version: 1 } },
        { expression: '#st = :expected', names: { '#st': 'status' }, values: { ':expected': expected } },
      ),
    );
    return toJob(item);
  }

  async updateTask(
    workflowId: string,
    jobId: string,
    taskIndex: number,
    expected: { status: JobStatus | JobStatus[]; attempt?: number },
    patch: Partial<Omit<TaskState, 'index'>>,
    job?: { expected: JobStatus; patch: Pick<Partial<Job>, 'status' | 'startedAt' | 'stoppedAt'>; soleTask?: boolean },
  ): Promise<Job | undefined> {
    const statuses = ([] as JobStatus[]).concat(expected.status);
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = { '#t': 'tasks', '#ts': 'status' };
    statuses.forEach((s, i) => (values[`:e${i}`] = s));
    let expression = `#t[${taskIndex}].#ts IN (${statuses.map((_, i) => `:e${i}`).join(', ')})`;
    if (expected.attempt !== undefined) {
      expression += ` AND #t[${taskIndex}].#ta = :att`;
      values[':att'] = expected.attempt;
      names['#ta'] = 'attempt';
    }
    if (job) {
      expression += ' AND #ts = :jst';
      values[':jst'] = job.expected;
    }
    if (job?.soleTask) {
      expression += ' AND size(#t) = :one';
      values[':one'] = 1;
    }
    const paths: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(packFields(patch, TASK_PACKED))) paths[`tasks[${taskIndex}].${k}`] = v;
    const item = await this.updateJobItem(workflowId, jobId, (key) =>
      this.table.update(key, { set: job?.patch, paths, add: { version: 1 } }, { expression, names, values }),
    );
    return toJob(item);
  }

  async markJobWatched(workflowId: string, jobId: string, at: string, staleBefore: string): Promise<boolean> {
    const item = await this.updateJobItem(workflowId, jobId, (key) =>
      this.table.update(
        key,
        { set: { watchedAt: at } },
        {
          expression: '#st IN (:queued, :running) AND (attribute_not_exists(#w) OR #w < :stale)',
          names: { '#st': 'status', '#w': 'watchedAt' },
          values: { ':queued': 'queued', ':running': 'running', ':stale': staleBefore },
        },
      ),
    );
    return Boolean(item);
  }

  async listActiveWorkflows(): Promise<Workflow[]> {
    const items = await this.table.queryAll({ index: 'gsi2', partition: 'ACTIVE#WORKFLOW', consistent: true });
    return items.map((i) => toEntity<Workflow>(i)!).filter((w) => !isTerminalWorkflow(w.status));
  }

  async getSerialGroup(key: string): Promise<SerialGroupLock> {
    const item = await this.table.get(serialGroupKey(key));
    return item
      ? { key, holder: item.holder as SerialGroupEntry | undefined, waiters: (item.waiters as SerialGroupEntry[]) ?? [], version: Number(item.version) }
      : { key, waiters: [], version: 0 };
  }

  async putSerialGroup(lock: SerialGroupLock): Promise<SerialGroupLock | undefined> {
    const version = lock.version + 1;
    const item = await this.table.update(
      serialGroupKey(lock.key),
      { set: { entity: 'serial-group', key: lock.key, holder: lock.holder, waiters: lock.waiters, version } },
      lock.version === 0 ? { expression: 'attribute_not_exists(pk)' } : { expression: '#v = :v', names: { '#v': 'version' }, values: { ':v': lock.version } },
    );
    return item ? { ...lock, version } : undefined;
  }

  async listActiveJobs(): Promise<Job[]> {
    const workflows = await this.listActiveWorkflows();
    const jobs = (await Promise.all(workflows.map((w) => this.listJobs(w.id)))).flat();
    return jobs.filter((j) => j.status === 'queued' || j.status === 'running');
  }
}
