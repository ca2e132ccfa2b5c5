import { DynamoCacheIndex } from '../../adapters/aws/dynamo-cache-index';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../../adapters/aws/dynamo-project-store';
import { S3BlobStore } from '../../adapters/aws/s3-blob-store';
import { aJob, aWorkflow } from '../../model/fixtures';
import { createTestResources } from '../../../test/support/aws';
import type { ControlPlaneDeps } from '../deps';
import { addProject } from '../projects/projects';
import { cacheKeyOf, restoreCacheUrl, saveCacheUrl } from './job-blobs';

/** A running job's deps with the cache index, counting the bucket listings. */
async function runningJob() {
  const r = await createTestResources({ queues: false });
  const blobs = new S3BlobStore(r.clients.s3, r.bucket);
  const lists: string[] = [];
  const counted = Object.assign(Object.create(blobs), { list: (prefix: string) => (lists.push(prefix), blobs.list(prefix)) }) as S3BlobStore;
  let now = new Date('2026-12-07T10:00:00Z').getTime();
  const deps = {
    pipelines: new DynamoPipelineStore(r.table),
    blobs: counted,
    caches: new DynamoCacheIndex(r.table),
    cacheRetentionDays: 15,
    clock: { now: () => new Date(now) },
  } as unknown as ControlPlaneDeps;
  const wf = aWorkflow();
  const job = aJob(wf, { status: 'running', tasks: [{ index: 0, status: 'running', attempt: 0, steps: [] }] });
  await deps.pipelines.createWorkflow(wf, [job]);
  const claims = { workflowId: wf.id, jobId: job.id, taskIndex: 0, attempt: 0 };
  const object = (key: string, body: string) => blobs.put(cacheKeyOf(job.projectSlug, key), body);
  return { deps, claims, lists, object, slug: job.projectSlug, advance: (ms: number) => (now += ms) };
}

describe('caches through the cache index', () => {
  it("lists a project's caches saved before the index once, indexes them, and answers from the index from then on", async () => {
    const t = await runningJob();
    await t.object('v1-deps-new', 'newer!');
    await t.object('v2-other', 'x');
    const first = await restoreCacheUrl(t.deps, t.claims, ['v1-deps-abc', 'v1-deps-']);
    expect(first).toMatchObject({ key: 'v1-deps-new', size: 6 });
    expect(t.lists).toEqual([`caches/${t.slug}/`]);
    expect(await t.deps.caches!.isComplete(t.slug)).toBe(true);
    expect(await restoreCacheUrl(t.deps, t.claims, ['v1-deps-abc', 'v1-deps-'])).toMatchObject({ key: 'v1-deps-new', size: 6 });
    expect(await restoreCacheUrl(t.deps, t.claims, ['v2'])).toMatchObject({ key: 'v2-other', size: 1 });
    expect(await restoreCacheUrl(t.deps, t.claims, ['v3'])).toEqual({});
    expect(t.lists).toHaveLength(1);
  });

  it('indexes a save as its upload starts, hands it out only once its object is there, and keeps key order', async () => {
    const t = await runningJob();
    expect(await restoreCacheUrl(t.deps, t.claims, ['v1-'])).toEqual({});
    t.advance(60_000);
    const saved = await saveCacheUrl(t.deps, t.claims, 'v1-deps-bbb');
    expect(saved).toMatchObject({ exists: false, url: expect.stringContaining('v1-deps-bbb') });
    // Indexed at once.
    expect((await t.deps.caches!.find(t.slug, 'v1-deps-', new Date('2026-12-07T10:02:00Z'))).map((e) => e.key)).toEqual(['v1-deps-bbb']);
    // Not uploaded yet: the restore misses rather than hand out an object that is not there.
    expect(await restoreCacheUrl(t.deps, t.claims, ['v1-deps-'])).toEqual({});
    await t.object('v1-deps-bbb', 'second');
    expect(await restoreCacheUrl(t.deps, t.claims, ['v1-deps-'])).toMatchObject({ key: 'v1-deps-bbb', size: 6 });
    expect(await saveCacheUrl(t.deps, t.claims, 'v1-deps-bbb')).toEqual({ exists: true });
    // The first key with a match wins, however new another key's match is.
    t.advance(60_000);
    await saveCacheUrl(t.deps, t.claims, 'v2-newest');
    await t.object('v2-newest', 'n');
    expect(await restoreCacheUrl(t.deps, t.claims, ['v1-deps-bbb', 'v2-'])).toMatchObject({ key: 'v1-deps-bbb' });
    expect(t.lists).toEqual([`caches/${t.slug}/`]);
  });

  it('leaves out caches past their retention, as the bucket does', async () => {
    const t = await runningJob();
    await restoreCacheUrl(t.deps, t.claims, ['k']);
    await saveCacheUrl(t.deps, t.claims, 'k-1');
    await t.object('k-1', 'a');
    expect(await restoreCacheUrl(t.deps, t.claims, ['k'])).toMatchObject({ key: 'k-1' });
    t.advance(16 * 86_400_000);
    expect(await restoreCacheUrl(t.deps, t.claims, ['k'])).toEqual({});
  });
});

describe('a project added with the cache index', () => {
  it('is complete from the start: its first restore lists nothing', async () => {
    const r = await createTestResources({ queues: false });
    const caches = new DynamoCacheIndex(r.table);
    const deps = { projects: new DynamoProjectStore(r.table), clock: { now: () => new Date() }, caches } as unknown as ControlPlaneDeps;
    const project = await addProject(deps, { slug: 'gh/acme/fresh', repoUrl: 'file:///tmp/fresh' });
    expect(await caches.isComplete(project.slug)).toBe(true);
    expect(await caches.isComplete('gh/acme/older')).toBe(false);
  });
});
