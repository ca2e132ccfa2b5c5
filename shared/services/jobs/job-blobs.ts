import type { Job, Project } from '../../model/entities';
import { NotFoundError, ValidationError } from '../../model/errors';
import type { TaskTestResults, TestCaseResult } from '../../model/job-spec';
import type { BlobInfo } from '../../ports/blob-store';
import type { ControlPlaneDeps } from '../deps';
import { loadRunningTask, PRESIGNED_URL_TTL_SECONDS } from '../runners/runner-protocol';
import type { TaskClaims } from '../identity/tokens';

type Deps = Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'blobs' | 'clock' | 'caches' | 'cacheRetentionDays'>;

/** Days a cache is kept when the deployment does not say (the bucket's default lifecycle rule for `caches/`). */
export const DEFAULT_CACHE_RETENTION_DAYS = 15;
/** Of the index's matches for one key, at most this many newest are checked for their object. */
const CACHE_CANDIDATES = 5;

/** Presigned URLs for caches, workspaces, artifacts and test results: minutes (an upload started in time completes). */
const URL_TTL_SECONDS = PRESIGNED_URL_TTL_SECONDS;

const newestFirst = (a: BlobInfo, b: BlobInfo) => b.lastModified.getTime() - a.lastModified.getTime() || (a.key < b.key ? 1 : -1);

/** Rejects keys and paths that are empty, too long, or climb out of their prefix. */
function checkRelative(value: string, what: string): string {
  const v = value.replace(/^\/+/, '');
  if (!v || v.length > 900) throw new ValidationError(`${what} must be 1-900 characters.`);
  if (v.split('/').some((s) => s === '..') || /[\u0000-\u001f]/.test(v))
    throw new ValidationError(`${what} "${value}" must not contain ".." segments or control characters.`);
  return v;
}

export const cacheKeyOf = (projectSlug: string, key: string) => `caches/${projectSlug}/${key}`;
export const workspacePrefix = (workflowId: string, jobId: string) => `workspaces/${workflowId}/${jobId}/`;
export const artifactPrefix = (jobId: string) => `artifacts/${jobId}/`;
export const testResultsPrefix = (jobId: string) => `test-results/${jobId}/`;

/**
 * `save_cache`: caches are immutable by key, so an existing key is reported (`exists`) and no URL is handed
 * out; otherwise a presigned PUT for `caches/<project>/<key>`.
 */
export async function saveCacheUrl(deps: Deps, c: TaskClaims, key: string): Promise<{ exists: true } | { exists: false; url: string }> {
  const job = await loadRunningTask(deps, c);
  const cacheKey = checkRelative(key, 'A cache key');
  const blobKey = cacheKeyOf(job.projectSlug, cacheKey);
  if (await deps.blobs.head(blobKey)) return { exists: true };
  const url = await deps.blobs.presignPut(blobKey, URL_TTL_SECONDS);
  // Indexed as its upload starts: a restore checks that the object is there before it hands it out.
  await deps.caches?.record(job.projectSlug, [cacheEntry(deps, cacheKey, deps.clock.now())]);
  return { exists: false, url };
}

/**
 * Records a cache whose object the control plane wrote itself (a replayed job's cache, copied into the local
 * runtime's bucket), so that `restore_cache` finds it as it finds a saved one.
 */
export async function indexCache(deps: Pick<Deps, 'caches' | 'clock' | 'cacheRetentionDays'>, projectSlug: string, key: string): Promise<void> {
  await deps.caches?.record(projectSlug, [cacheEntry(deps, checkRelative(key, 'A cache key'), deps.clock.now())]);
}

function cacheEntry(deps: Pick<Deps, 'cacheRetentionDays'>, key: string, savedAt: Date) {
  const days = deps.cacheRetentionDays ?? DEFAULT_CACHE_RETENTION_DAYS;
  return { key, savedAt: savedAt.toISOString(), expiresAt: new Date(savedAt.getTime() + days * 86_400_000).toISOString() };
}

/**
 * `restore_cache`: for each key in order, the newest cache whose key starts with it; the first key with a
 * match wins. Resolves `{}` on a miss. Caches are looked up in the cache index (a query per key, and a HEAD of the
 * match: an S3 LIST per key would cost as much as a PUT); a project whose caches predate the index has them
 * listed once, added to the index, and is answered from that listing.
 */
export async function restoreCacheUrl(deps: Deps, c: TaskClaims, keys: string[]): Promise<{ key?: string; url?: string; size?: number }> {
  const job = await loadRunningTask(deps, c);
  const slug = job.projectSlug;
  const cacheKeys = keys.map((k) => checkRelative(k, 'A cache key'));
  const found = (key: string, size: number) => deps.blobs.presignGet(cacheKeyOf(slug, key), URL_TTL_SECONDS).then((url) => ({ key, url, size }));
  if (deps.caches && (await deps.caches.isComplete(slug))) {
    const now = deps.clock.now();
    for (const key of cacheKeys) {
      for (const entry of (await deps.caches.find(slug, key, now)).slice(0, CACHE_CANDIDATES)) {
        // An upload not finished (or failed), or an object the lifecycle rule removed before the index entry.
        const object = await deps.blobs.head(cacheKeyOf(slug, entry.key));
        if (object) return found(entry.key, object.size);
      }
    }
    return {};
  }
  const base = cacheKeyOf(slug, '');
  const all = await deps.blobs.list(base);
  if (deps.caches) {
    await deps.caches.record(
      slug,
      all.map((b) => cacheEntry(deps, b.key.slice(base.length), b.lastModified)),
    );
    await deps.caches.markComplete(slug);
  }
  for (const key of cacheKeys) {
    const match = all.filter((b) => b.key.startsWith(cacheKeyOf(slug, key))).sort(newestFirst)[0];
    if (match) return found(match.key.slice(base.length), match.size);
  }
  return {};
}

/** `persist_to_workspace`: a presigned PUT for a new layer of this job (a job may persist several). */
export async function workspaceLayerUrl(deps: Deps, c: TaskClaims): Promise<{ url: string }> {
  await loadRunningTask(deps, c);
  const stamp = deps.clock.now().toISOString().replace(/[:.]/g, '-');
  const key = `${workspacePrefix(c.workflowId, c.jobId)}${stamp}-${c.taskIndex}-${Math.random().toString(36).slice(2, 8)}.tar.zst`;
  return { url: await deps.blobs.presignPut(key, URL_TTL_SECONDS) };
}

/** Names of every job `name` depends on, directly or through other jobs, in a workflow's job graph. */
function upstreamNames(name: string, all: Job[]): Set<string> {
  const byId = new Map(all.map((j) => [j.id, j]));
  const byName = new Map(all.map((j) => [j.name, j]));
  const seen = new Set<string>();
  const stack = [...(byName.get(name)?.dependencies ?? [])];
  while (stack.length) {
    const dep = byId.get(stack.pop()!);
    if (!dep || seen.has(dep.name)) continue;
    seen.add(dep.name);
    stack.push(...dep.dependencies);
  }
  return seen;
}

/** How many reruns of reruns are followed back to the workflow that ran every job. */
const MAX_RERUN_DEPTH = 50;

/**
 * The jobs whose layers a job attaches: its upstream jobs by name in the full job graph. A rerun workflow
 * holds only the jobs it reran, so the graph comes from the first workflow of its `rerunOf` chain, and each
 * upstream job is taken from the newest workflow of the chain that ran it (CircleCI: a rerun attaches the
 * workspace persisted by the original's jobs that were not rerun). Also the workflow's `attachedWorkspace`.
 */
async function upstreamProducers(
  deps: Deps,
  workflowId: string,
  jobName: string,
): Promise<{ producers: Array<{ workflowId: string; job: Job }>; attached?: string }> {
  const chain: Job[][] = [await deps.pipelines.listJobs(workflowId)];
  const ids = [workflowId];
  let wf = await deps.pipelines.getWorkflow(workflowId);
  const attached = wf?.attachedWorkspace;
  while (wf?.rerunOf && chain.length < MAX_RERUN_DEPTH) {
    ids.push(wf.rerunOf);
    chain.push(await deps.pipelines.listJobs(wf.rerunOf));
    wf = await deps.pipelines.getWorkflow(wf.rerunOf);
  }
  const names = upstreamNames(jobName, chain[chain.length - 1]);
  const producers: Array<{ workflowId: string; job: Job }> = [];
  for (const name of names) {
    const at = chain.findIndex((jobs) => jobs.some((j) => j.name === name));
    if (at >= 0) producers.push({ workflowId: ids[at], job: chain[at].find((j) => j.name === name)! });
  }
  return { producers, ...(attached ? { attached } : {}) };
}

/** Bucket key of the `index`th layer of a replayed job's workspace, persisted by `job` (recorded in the key). */
export const attachedLayerKey = (prefix: string, index: number, job: string) => `${prefix}${String(index).padStart(4, '0')}-${encodeURIComponent(job)}.tar.zst`;

/** Layers under an `attachedWorkspace` prefix, in their recorded order, with the job that persisted each. */
async function attachedLayerBlobs(deps: Pick<Deps, 'blobs'>, prefix: string): Promise<Array<{ b: BlobInfo; name: string }>> {
  const blobs = (await deps.blobs.list(prefix)).sort((x, y) => (x.key < y.key ? -1 : 1));
  return blobs.map((b) => ({ b, name: decodeURIComponent(/^\d+-(.*)\.tar\.zst$/.exec(b.key.slice(prefix.length))?.[1] ?? 'a replayed job') }));
}

/**
 * The workspace a job attaches: the layers persisted by every upstream job (of this workflow, or for a rerun
 * workflow of the original's jobs that were not rerun), oldest first, so that extracting them in order lets
 * later layers win; a replayed workflow's attached layers come first.
 */
export async function attachedWorkspace(deps: Deps, workflowId: string, jobName: string): Promise<Array<{ job: string; url: string; size: number }>> {
  const { producers, attached } = await upstreamProducers(deps, workflowId, jobName);
  const found = (
    await Promise.all(producers.map(async (u) => (await deps.blobs.list(workspacePrefix(u.workflowId, u.job.id))).map((b) => ({ b, name: u.job.name }))))
  ).flat();
  found.sort((x, y) => x.b.lastModified.getTime() - y.b.lastModified.getTime() || (x.b.key < y.b.key ? -1 : 1));
  const all = [...(attached ? await attachedLayerBlobs(deps, attached) : []), ...found];
  return Promise.all(all.map(async ({ b, name }) => ({ job: name, url: await deps.blobs.presignGet(b.key, URL_TTL_SECONDS), size: b.size })));
}

/** `attach_workspace`: the task's job's attached workspace (`attachedWorkspace`). */
export async function workspaceLayers(deps: Deps, c: TaskClaims): Promise<{ layers: Array<{ job: string; url: string; size: number }> }> {
  const job = await loadRunningTask(deps, c);
  return { layers: await attachedWorkspace(deps, c.workflowId, job.name) };
}

/** `store_artifacts`: presigned PUTs for the given artifact paths of this task. */
export async function artifactUploadUrls(deps: Deps, c: TaskClaims, paths: string[]): Promise<{ urls: string[] }> {
  await loadRunningTask(deps, c);
  const keys = paths.map((p) => `${artifactPrefix(c.jobId)}${c.taskIndex}/${checkRelative(p, 'An artifact path')}`);
  return { urls: await Promise.all(keys.map((k) => deps.blobs.presignPut(k, URL_TTL_SECONDS))) };
}

/** The presigned PUT for a task's results document, for a task whose attempt the caller has checked. */
export function presignTestResults(deps: Pick<Deps, 'blobs'>, c: TaskClaims): Promise<string> {
  return deps.blobs.presignPut(`${testResultsPrefix(c.jobId)}${c.taskIndex}.json`, URL_TTL_SECONDS);
}

/** `store_test_results`: a presigned PUT for this task's results document (JSON `TaskTestResults`). */
export async function testResultsUrl(deps: Deps, c: TaskClaims): Promise<{ url: string }> {
  await loadRunningTask(deps, c);
  return { url: await presignTestResults(deps, c) };
}

async function readResults(deps: Pick<ControlPlaneDeps, 'blobs'>, job: Job): Promise<TestCaseResult[]> {
  const docs = (await deps.blobs.list(testResultsPrefix(job.id))).sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
  const out: TestCaseResult[] = [];
  for (const d of docs) {
    const body = await deps.blobs.get(d.key);
    if (!body) continue;
    try {
      out.push(...((JSON.parse(body.toString('utf8')) as TaskTestResults).tests ?? []));
    } catch {
      // A torn or foreign document is skipped, never fatal for the listing.
    }
  }
  return out;
}

/** The tests of a job in CircleCI's `GET /project/{slug}/{job-number}/tests` shape. */
export async function listJobTests(deps: Pick<ControlPlaneDeps, 'blobs'>, job: Job) {
  const tests = await readResults(deps, job);
  return {
    items: tests.map((t) => ({
      message: t.message ?? '',
      source: 'unknown',
      run_time: t.run_time,
      file: t.file ?? '',
      result: t.result,
      name: t.name,
      classname: t.classname,
    })),
    next_page_token: null,
  };
}

/** The artifacts of a job (every task) in CircleCI's `GET /project/{slug}/{job-number}/artifacts` shape. */
export async function listJobArtifacts(deps: Pick<ControlPlaneDeps, 'blobs'>, job: Job) {
  const prefix = artifactPrefix(job.id);
  const blobs = await deps.blobs.list(prefix);
  const items = await Promise.all(
    blobs.map(async (b) => {
      const rest = b.key.slice(prefix.length);
      const slash = rest.indexOf('/');
      const path = rest.slice(slash + 1);
      return {
        path,
        node_index: Number(rest.slice(0, slash)),
        url: await deps.blobs.presignGet(b.key, URL_TTL_SECONDS, { downloadName: path.split('/').pop() }),
      };
    }),
  );
  items.sort((a, b) => a.node_index - b.node_index || a.path.localeCompare(b.path));
  return { items, next_page_token: null };
}

/** How many recent pipelines of a branch are searched for a previous run of the job. */
const TIMINGS_PIPELINES = 20;

async function previousResults(deps: Deps, project: Project, job: Job, branch: string): Promise<{ jobNumber: number; tests: TestCaseResult[] } | undefined> {
  const page = await deps.pipelines.listPipelines(project.slug, { branch, limit: TIMINGS_PIPELINES });
  for (const p of page.items) {
    for (const w of await deps.pipelines.listWorkflows(p.id)) {
      const jobs = (await deps.pipelines.listJobs(w.id)).filter((j) => j.name === job.name && j.id !== job.id && j.number !== undefined);
      for (const j of jobs.sort((a, b) => (b.number ?? 0) - (a.number ?? 0))) {
        const tests = await readResults(deps, j);
        if (tests.length) return { jobNumber: j.number!, tests };
      }
    }
  }
  return undefined;
}

/**
 * Timings for `circleci tests split --split-by=timings`: the stored results of the newest earlier run of the
 * same job on the same branch, falling back to the project's default branch. Empty when none exists.
 */
export async function previousTimings(deps: Deps, c: TaskClaims): Promise<{ source?: { jobNumber: number; branch: string }; tests: TestCaseResult[] }> {
  const job = await loadRunningTask(deps, c);
  const [pipeline, project] = await Promise.all([deps.pipelines.getPipeline(job.pipelineId), deps.projects.getProject(job.projectSlug)]);
  if (!pipeline || !project) throw new NotFoundError('The pipeline or project of this task no longer exists.');
  const branches = [...new Set([pipeline.vcs.branch, project.defaultBranch].filter((b): b is string => !!b))];
  for (const branch of branches) {
    const found = await previousResults(deps, project, job, branch);
    if (found) return { source: { jobNumber: found.jobNumber, branch }, tests: found.tests.map((t) => ({ ...t, message: undefined })) };
  }
  return { tests: [] };
}
