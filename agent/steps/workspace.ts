import { mkdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { AttachWorkspaceStep, PersistToWorkspaceStep } from '../../shared/config/plan';
import { glob } from '../glob';
import { createArchive, extractArchive, getFromUrl, putToUrl } from '../transfer';
import { insideRoot, resolvePath, StepError, type StepHandler } from './context';

/**
 * `persist_to_workspace`: the `paths` (globs relative to `root`) become a new layer of the workflow's
 * workspace. A path escaping `root` or matching nothing is a step error.
 */
export const persistToWorkspaceStep: StepHandler<PersistToWorkspaceStep> = async (step, ctx) => {
  const root = posix.normalize(resolvePath(step.root, ctx));
  const members: string[] = [];
  for (const p of step.paths) {
    insideRoot(root, p, 'The workspace path');
    const matched = glob([p.replace(/^\.\//, '')], root);
    if (!matched.length) throw new StepError(`The workspace path "${p}" matched nothing under ${root}.`);
    for (const m of matched) members.push(posix.relative(root, insideRoot(root, m, 'The workspace path')) || '.');
  }
  const file = join(ctx.scratch, `workspace-${Date.now()}.tar.zst`);
  try {
    const size = await createArchive({ dir: root, members, out: file });
    const { url } = await ctx.client.workspaceLayerUrl();
    await putToUrl(url, { file }, 'the workspace layer');
    ctx.log.note(`Persisted ${members.join(', ')} from ${root} to the workspace (${(size / 1024).toFixed(1)} KiB)`);
  } finally {
    rmSync(file, { force: true });
  }
  return { status: 'success', exitCode: 0 };
};

/** `attach_workspace`: every upstream layer of the workflow extracted at `at`, in order (later layers win). */
export const attachWorkspaceStep: StepHandler<AttachWorkspaceStep> = async (step, ctx) => {
  const at = resolvePath(step.at, ctx);
  mkdirSync(at, { recursive: true });
  const { layers } = await ctx.client.workspaceLayers();
  if (!layers.length) ctx.log.note('No workspace layers were persisted by the upstream jobs of this workflow.');
  for (const layer of layers) {
    ctx.log.note(`Applying the workspace layer of ${layer.job} (${(layer.size / 1024).toFixed(1)} KiB)`);
    await getFromUrl(layer.url, `a workspace layer of ${layer.job}`, () => extractArchive(at));
  }
  return { status: 'success', exitCode: 0 };
};
