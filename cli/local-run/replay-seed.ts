import { randomUUID } from 'node:crypto';
import type { Project } from '../../shared/model/entities';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import { attachedLayerKey, cacheKeyOf, indexCache } from '../../shared/services/jobs/job-blobs';
import type { RunView } from './view';

/** What a replayed job had on its server: the workspace layers it attached and the caches it restored (presigned URLs). */
export interface ReplaySeed {
  workspace: Array<{ job: string; url: string; size: number }>;
  caches: Array<{ key: string; url: string | null; size: number }>;
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function download(url: string, what: string): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`Could not download ${what} from the server: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok)
    throw new Error(`Could not download ${what} from the server: HTTP ${res.status}${res.status === 403 ? ' (its link expired: replay again)' : ''}.`);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * Copies a replayed job's workspace layers and restored caches into the local runtime's bucket: the layers
 * under a new prefix the replayed workflow attaches (`PipelineSelection.replayWorkspace`), the caches under
 * their exact keys in the local project (an existing key is kept: caches are immutable), each added to the cache
 * index so that restore_cache finds it. Resolves the prefix.
 */
export async function seedReplay(
  deps: Pick<ControlPlaneDeps, 'blobs' | 'caches' | 'clock' | 'cacheRetentionDays'>,
  project: Project,
  seed: ReplaySeed,
  view: RunView,
): Promise<string> {
  const prefix = `workspaces/replay/${randomUUID()}/`;
  for (const [i, layer] of seed.workspace.entries()) {
    await deps.blobs.put(attachedLayerKey(prefix, i, layer.job), await download(layer.url, `the workspace layer of ${layer.job}`));
  }
  if (seed.workspace.length) view.note(`Fetched the workspace it attached: ${seed.workspace.map((l) => `${l.job} (${kib(l.size)})`).join(', ')}`);
  for (const cache of seed.caches) {
    if (cache.url === null) {
      view.note(`The cache ${cache.key} it restored is gone from the server (expired or deleted); restore_cache will miss it.`);
      continue;
    }
    const key = cacheKeyOf(project.slug, cache.key);
    if (!(await deps.blobs.head(key))) await deps.blobs.put(key, await download(cache.url, `the cache ${cache.key}`));
    await indexCache(deps, project.slug, cache.key);
    view.note(`Fetched the cache it restored: ${cache.key} (${kib(cache.size)})`);
  }
  return prefix;
}
