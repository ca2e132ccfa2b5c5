import type { ExecutorPlan } from '../config/plan';
import type { JobCompute, TaskLaunch } from './job-compute';

/** Which task a contract test means: the (job, task, attempt) launches are idempotent on, and the token it carries. */
export interface ContractTaskKey {
  jobId: string;
  taskIndex?: number;
  attempt?: number;
  taskToken?: string;
}

/**
 * The fixtures' task builder: a task of workflow `wf-1` in `gh/acme/app` for `executor`, at task index 0 and
 * attempt 1 unless the key says otherwise, its code derived from the job id.
 */
export function contractTask(executor: ExecutorPlan, options: { controlPlaneUrl?: string } = {}): (key: ContractTaskKey) => TaskLaunch {
  return ({ jobId, taskIndex = 0, attempt = 1, taskToken = 'token' }) => ({
    jobId,
    workflowId: 'wf-1',
    projectSlug: 'gh/acme/app',
    taskIndex,
    attempt,
    taskToken,
    taskCode: `code-${jobId}`,
    controlPlaneUrl: options.controlPlaneUrl ?? 'https://ci.example.com',
    executor,
  });
}

/** One adapter under the contract, with a view of its backend (processes, ECS tasks, group capacity, queue entries). */
export interface JobComputeFixture {
  compute: JobCompute;
  /**
   * A task this adapter runs (an executor it serves), already queued in the fixture's store as the dispatcher
   * finds it: `jobId`, `taskIndex`, `attempt` and `taskToken` as given.
   */
  task(key: ContractTaskKey): TaskLaunch;
  /** Units the backend has running (or wanted, for pooled capacity) right now. */
  running(): Promise<number>;
  /** Resolves once the unit `computeId` names has ended (after a stop); not called for pooled capacity. */
  ended(computeId: string): Promise<void>;
  /** An id of this adapter's form that names no unit. */
  unknownId: string;
  /**
   * Pooled capacity: one id per class and `stop` releases nothing (instances are claimed by runners and
   * scaled in separately); a canceled task learns it from its heartbeat reply.
   */
  pooled?: boolean;
  /** Something running that this adapter did not start, reachable by an id of its form: it must survive `stop`. */
  bystander?: { computeId: string; alive(): Promise<boolean> };
  close?(): Promise<void>;
}

/**
 * The semantics `shared/ports/job-compute.ts` states, for every adapter: `launch` is idempotent per
 * (jobId, taskIndex, attempt), even when the task token was re-minted in between; different tasks get their
 * own unit; `find` names a task's unit from (jobId, taskIndex, attempt) alone, and that id stops it; `stop` is
 * safe to call twice and for an id that names nothing, which it leaves alone.
 */
export function defineJobComputeContract(name: string, factory: () => Promise<JobComputeFixture>): void {
  describe(`JobCompute contract: ${name}`, () => {
    let f: JobComputeFixture;
    beforeEach(async () => {
      f = await factory();
    });
    afterEach(async () => {
      await f?.close?.();
    });

    it('starts one unit per launch and returns its id', async () => {
      const { computeId } = await f.compute.launch(f.task({ jobId: 'job-1' }));
      expect(computeId).toEqual(expect.any(String));
      expect(computeId.length).toBeGreaterThan(0);
      expect(await f.running()).toBe(1);
    });

    it('launches a (job, task, attempt) once: a repeat, a concurrent one and one with a re-minted token return the same id', async () => {
      const first = await f.compute.launch(f.task({ jobId: 'job-1', taskToken: 'token-a' }));
      const again = await Promise.all([
        f.compute.launch(f.task({ jobId: 'job-1', taskToken: 'token-a' })),
        f.compute.launch(f.task({ jobId: 'job-1', taskToken: 'token-b' })),
      ]);
      expect(again.map((r) => r.computeId)).toEqual([first.computeId, first.computeId]);
      expect(await f.running()).toBe(1);
    });

    it('gives each task of a job its own unit', async () => {
      const a = await f.compute.launch(f.task({ jobId: 'job-1', taskIndex: 0 }));
      const b = await f.compute.launch(f.task({ jobId: 'job-1', taskIndex: 1 }));
      if (!f.pooled) expect(a.computeId).not.toBe(b.computeId);
      expect(await f.running()).toBe(2);
    });

    it('stops a unit, and a second stop of it is safe', async () => {
      const { computeId } = await f.compute.launch(f.task({ jobId: 'job-1' }));
      await expect(f.compute.stop(computeId, 'canceled')).resolves.toBeUndefined();
      await expect(f.compute.stop(computeId, 'canceled again')).resolves.toBeUndefined();
      if (f.pooled) return expect(await f.running()).toBe(1);
      await f.ended(computeId);
      expect(await f.running()).toBe(0);
    });

    it('finds the unit launched for a (job, task, attempt), and none for a task or attempt it never launched', async () => {
      const { computeId } = await f.compute.launch(f.task({ jobId: 'job-1' }));
      await expect(f.compute.find(f.task({ jobId: 'job-1', taskToken: 'token-b' }))).resolves.toBe(computeId);
      if (f.pooled) return;
      await expect(f.compute.find(f.task({ jobId: 'job-2' }))).resolves.toBeUndefined();
      await expect(f.compute.find(f.task({ jobId: 'job-1', taskIndex: 1 }))).resolves.toBeUndefined();
      await expect(f.compute.find(f.task({ jobId: 'job-1', attempt: 2 }))).resolves.toBeUndefined();
      expect(await f.running()).toBe(1);
    });

    it('stops the unit it finds for a task (what a cancel and the reaper do), leaving the other tasks running', async () => {
      const { computeId } = await f.compute.launch(f.task({ jobId: 'job-1' }));
      await f.compute.launch(f.task({ jobId: 'job-2' }));
      const found = await f.compute.find(f.task({ jobId: 'job-1' }));
      expect(found).toBe(computeId);
      await f.compute.stop(found!, 'canceled');
      if (f.pooled) return expect(await f.running()).toBe(2);
      await f.ended(computeId);
      expect(await f.running()).toBe(1);
      expect(await f.compute.find(f.task({ jobId: 'job-2' }))).toEqual(expect.any(String));
    });

    it('resolves, touching nothing, when stopping an id that names no unit of its own', async () => {
      await f.compute.launch(f.task({ jobId: 'job-1' }));
      for (const id of [f.unknownId, '', 'not-an-id']) await expect(f.compute.stop(id, 'stale')).resolves.toBeUndefined();
      if (f.bystander) {
        await expect(f.compute.stop(f.bystander.computeId, 'stale')).resolves.toBeUndefined();
        expect(await f.bystander.alive()).toBe(true);
      }
      expect(await f.running()).toBe(1);
    });
  });
}
