import { aJob, aPipeline, aWorkflow } from '../model/fixtures';
import type { PipelineStore } from './pipeline-store';

/** The behaviour every PipelineStore adapter must have (house rule 3). */
export function definePipelineStoreContract(name: string, factory: () => Promise<PipelineStore>): void {
  describe(`PipelineStore contract: ${name}`, () => {
    let store: PipelineStore;
    beforeAll(async () => {
      store = await factory();
    });

    it('creates a pipeline once when the same id is created twice', async () => {
      const p = aPipeline();
      expect(await store.createPipeline(p)).toBe(true);
      expect(await store.createPipeline({ ...p, state: 'errored' })).toBe(false);
      expect((await store.getPipeline(p.id))?.state).toBe('pending');
    });

    it('lists a project’s pipelines newest first with paging and a branch filter', async () => {
      const slug = `gh/acme/${Math.random().toString(36).slice(2)}`;
      for (let n = 1; n <= 5; n++) {
        await store.createPipeline(aPipeline({ projectSlug: slug, number: n, vcs: { ...aPipeline().vcs, branch: n % 2 ? 'main' : 'dev' } }));
      }
      const first = await store.listPipelines(slug, { limit: 2 });
      expect(first.items.map((p) => p.number)).toEqual([5, 4]);
      const second = await store.listPipelines(slug, { limit: 2, pageToken: first.nextPageToken! });
      expect(second.items.map((p) => p.number)).toEqual([3, 2]);
      const dev = await store.listPipelines(slug, { branch: 'dev' });
      expect(dev.items.map((p) => p.number)).toEqual([4, 2]);
      expect((await store.getPipelineByNumber(slug, 3))?.number).toBe(3);
    });

    it('changes pipeline state only from the expected state', async () => {
      const p = aPipeline();
      await store.createPipeline(p);
      expect((await store.updatePipeline(p.id, 'pending', { state: 'created' }))?.state).toBe('created');
      expect(await store.updatePipeline(p.id, 'pending', { state: 'errored' })).toBeUndefined();
      expect((await store.getPipeline(p.id))?.state).toBe('created');
    });

    it('lists pipelines while they are pending, until they leave pending', async () => {
      const p = aPipeline();
      const done = aPipeline();
      await store.createPipeline(p);
      await store.createPipeline(done);
      await store.createPipeline(aPipeline({ id: done.id }));
      await store.updatePipeline(done.id, 'pending', { state: 'created' });
      const pending = await store.listPendingPipelines();
      expect(pending.filter((x) => x.id === p.id)).toEqual([expect.objectContaining({ id: p.id, state: 'pending' })]);
      expect(pending.some((x) => x.id === done.id)).toBe(false);
      expect(pending.every((x) => x.state === 'pending')).toBe(true);
      await store.updatePipeline(p.id, 'pending', { state: 'errored' });
      expect((await store.listPendingPipelines()).some((x) => x.id === p.id)).toBe(false);
    });

    it('creates a workflow with its jobs once and lists them in one query', async () => {
      const wf = aWorkflow();
      const jobs = [aJob(wf, { name: 'a' }), aJob(wf, { name: 'b' })];
      expect(await store.createWorkflow(wf, jobs)).toBe(true);
      expect(await store.createWorkflow(wf, jobs)).toBe(false);
      expect((await store.listJobs(wf.id)).map((j) => j.name).sort()).toEqual(['a', 'b']);
      expect((await store.listWorkflows(wf.pipelineId)).map((w) => w.id)).toEqual([wf.id]);
      expect((await store.getJobById(jobs[1].id))?.name).toBe('b');
    });

    it('applies a job transition once: a duplicate transition changes nothing', async () => {
      const wf = aWorkflow();
      const job = aJob(wf);
      await store.createWorkflow(wf, [job]);
      const queued = await store.updateJob(wf.id, job.id, 'blocked', { status: 'queued', number: 7, projectSlug: wf.projectSlug });
      expect(queued?.status).toBe('queued');
      expect(queued?.version).toBe(1);
      expect(await store.updateJob(wf.id, job.id, 'blocked', { status: 'queued', number: 8 })).toBeUndefined();
      expect((await store.getJobByNumber(wf.projectSlug, 7))?.id).toBe(job.id);
    });

    it('updates one task conditionally on its status and attempt, and stores its steps only while running', async () => {
      const wf = aWorkflow();
      const job = aJob(wf, { plan: { ...aJob(wf).plan, parallelism: 2 } });
      await store.createWorkflow(wf, [job]);
      const started = await store.updateTask(wf.id, job.id, 1, { status: ['blocked', 'queued'] }, { status: 'running', attempt: 0 });
      expect(started?.tasks[1].status).toBe('running');
      expect(started?.tasks[0].status).toBe('blocked');
      expect(await store.updateTask(wf.id, job.id, 1, { status: 'queued' }, { status: 'running' })).toBeUndefined();
      const steps = [{ index: 0, name: 'hello', type: 'run', actions: [{ index: 1, status: 'success' as const, startedAt: 'x' }] }];
      const beat = await store.updateTask(wf.id, job.id, 1, { status: 'running', attempt: 0 }, { heartbeatAt: 'now', steps });
      expect(beat?.tasks[1]).toMatchObject({ heartbeatAt: 'now', steps, status: 'running' });
      expect(await store.updateTask(wf.id, job.id, 1, { status: 'running', attempt: 1 }, { steps: [] })).toBeUndefined();
      expect(await store.updateTask(wf.id, job.id, 0, { status: 'running', attempt: 0 }, { steps })).toBeUndefined();
      const stored = await store.getJob(wf.id, job.id);
      expect(stored?.tasks[1].steps).toEqual(steps);
      expect(stored?.tasks[0].steps).not.toEqual(steps);
      // With a job condition, task and job change together or not at all.
      expect(
        await store.updateTask(wf.id, job.id, 0, { status: 'blocked' }, { status: 'queued' }, { expected: 'queued', patch: { status: 'running' } }),
      ).toBeUndefined();
      expect((await store.getJob(wf.id, job.id))?.tasks[0].status).toBe('blocked');
      const both = await store.updateTask(
        wf.id,
        job.id,
        0,
        { status: 'blocked' },
        { status: 'running' },
        { expected: 'blocked', patch: { status: 'running', startedAt: 't0' } },
      );
      expect(both).toMatchObject({ status: 'running', startedAt: 't0' });
      expect(both?.tasks[0].status).toBe('running');
    });

    it('marks a queued or running job watched at most once per period, without a state change', async () => {
      const wf = aWorkflow();
      const job = aJob(wf);
      await store.createWorkflow(wf, [job]);
      const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
      expect(await store.markJobWatched(wf.id, job.id, at(0), at(0))).toBe(false); // blocked: nobody waits on it
      const queued = await store.updateJob(wf.id, job.id, 'blocked', { status: 'queued' });
      expect(await store.markJobWatched(wf.id, job.id, at(0), at(0))).toBe(true);
      expect(await store.markJobWatched(wf.id, job.id, at(5), at(-5))).toBe(false); // still fresh
      expect((await store.getJob(wf.id, job.id))?.watchedAt).toBe(at(0));
      expect(await store.markJobWatched(wf.id, job.id, at(12), at(2))).toBe(true);
      const watched = await store.getJob(wf.id, job.id);
      expect(watched?.watchedAt).toBe(at(12));
      expect(watched?.version).toBe(queued?.version);
      expect(await store.markJobWatched(wf.id, 'no-such-job', at(30), at(20))).toBe(false);
    });

    it('lists active workflows and their queued/running jobs until the workflow is terminal', async () => {
      const wf = aWorkflow();
      const job = aJob(wf);
      await store.createWorkflow(wf, [job]);
      await store.updateJob(wf.id, job.id, 'blocked', { status: 'queued' });
      expect((await store.listActiveWorkflows()).some((w) => w.id === wf.id)).toBe(true);
      expect((await store.listActiveJobs()).some((j) => j.id === job.id)).toBe(true);
      const done = await store.updateWorkflow(wf.id, 'running', { status: 'success', stoppedAt: new Date().toISOString() });
      expect(done?.status).toBe('success');
      expect(await store.updateWorkflow(wf.id, 'running', { status: 'failed' })).toBeUndefined();
      expect((await store.listActiveWorkflows()).some((w) => w.id === wf.id)).toBe(false);
    });

    it('writes a serial group lock only at the version it was read: of two writers of one version one wins', async () => {
      const key = `gh/acme/deploys-${Math.random().toString(36).slice(2)}`;
      const free = await store.getSerialGroup(key);
      expect(free).toEqual({ key, waiters: [], version: 0 });
      const entry = (jobId: string) => ({ jobId, workflowId: 'w', projectSlug: 'gh/acme/app', pipelineNumber: 1, since: new Date(0).toISOString() });
      const results = await Promise.all([store.putSerialGroup({ ...free, holder: entry('a') }), store.putSerialGroup({ ...free, holder: entry('b') })]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const held = await store.getSerialGroup(key);
      expect(held.version).toBe(1);
      expect(held.holder?.jobId).toBe(results.find(Boolean)!.holder!.jobId);
      const released = await store.putSerialGroup({ ...held, holder: undefined, waiters: [entry('c')] });
      expect(released?.version).toBe(2);
      expect(await store.putSerialGroup({ ...held, holder: entry('d') })).toBeUndefined();
      expect(await store.getSerialGroup(key)).toEqual({ key, holder: undefined, waiters: [entry('c')], version: 2 });
    });
  });
}
