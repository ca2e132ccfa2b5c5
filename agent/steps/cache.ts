import { existsSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { RestoreCacheStep, SaveCacheStep } from '../../shared/config/plan';
import { expandCacheKey } from '../templates';
import { createArchive, extractArchive, getFromUrl, putToUrl, renameMembers } from '../transfer';
import { resolvePath, type StepContext, type StepHandler } from './context';

/** Member-name prefix standing for the task's HOME, so a cache made in one task restores into another's HOME. */
const HOME_MEMBER = '.slipway-home';

const templateContext = (ctx: StepContext) => ({ env: ctx.env, workingDirectory: ctx.workingDirectory, home: ctx.home });
const rel = (abs: string) => abs.replace(/^\/+/, '');
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * `save_cache`: expands the key, skips an existing key (caches are immutable), archives the paths with
 * `tar | zstd -T0` and uploads the archive to the presigned URL. Missing paths are warnings.
 */
export const saveCacheStep: StepHandler<SaveCacheStep> = async (step, ctx) => {
  const key = expandCacheKey(step.key, templateContext(ctx));
  const target = await ctx.client.saveCache(key);
  if (target.exists) {
    ctx.log.note(`Skipping cache generation, cache already exists for key: ${key}`);
    return { status: 'success', exitCode: 0 };
  }
  const paths = step.paths.map((p) => posix.normalize(resolvePath(p, ctx)));
  const found = paths.filter((p) => {
    if (existsSync(p)) return true;
    ctx.log.note(`Warning: could not find ${p} to cache; skipping it.`);
    return false;
  });
  if (!found.length) {
    ctx.log.note(`No files to cache for key ${key}; nothing was saved.`);
    return { status: 'success', exitCode: 0 };
  }
  ctx.log.note(`Creating cache archive of ${found.join(', ')}`);
  const file = join(ctx.scratch, `cache-${Date.now()}.tar.zst`);
  try {
    const started = Date.now();
    const size = await createArchive({ dir: '/', members: found.map(rel), out: file, tarArgs: renameMembers(rel(ctx.home), HOME_MEMBER) });
    ctx.log.note(`Uploading cache archive (${mb(size)})...`);
    await putToUrl(target.url, { file }, `the cache ${key}`);
    ctx.log.note(`Stored cache ${key} (${mb(size)}) in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } finally {
    rmSync(file, { force: true });
  }
  return { status: 'success', exitCode: 0 };
};

/**
 * `restore_cache`: the first key (expanded) with a cache wins, matched by prefix newest first. A miss is a
 * warning, never a failure.
 */
export const restoreCacheStep: StepHandler<RestoreCacheStep> = async (step, ctx) => {
  const keys = step.keys.map((k) => expandCacheKey(k, templateContext(ctx)));
  const found = await ctx.client.restoreCache(keys);
  if (!found.url || !found.key) {
    ctx.log.note(`No cache is found for key${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`);
    return { status: 'success', exitCode: 0 };
  }
  ctx.log.note(`Found a cache at ${found.key} (${mb(found.size ?? 0)}); restoring...`);
  const started = Date.now();
  await getFromUrl(found.url, `the cache ${found.key}`, () => extractArchive('/', renameMembers(HOME_MEMBER, rel(ctx.home))));
  ctx.log.note(`Restored cache ${found.key} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return { status: 'success', exitCode: 0, restoredCache: found.key };
};
