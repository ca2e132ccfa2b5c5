import type { Pipeline, Project } from '../../model/entities';
import type { ControlPlaneDeps } from '../deps';
import { branchPushBuilds } from '../projects/project-settings';
import { cancelRedundantWorkflows } from './github-autocancel';
import { triggerPipeline } from '../pipelines/pipelines';

const ZERO_SHA = /^0+$/;

/** One ref update of a push, as GitHub's `push` event and git's `post-receive` hook both describe it. */
export interface RefUpdate {
  /** `refs/heads/<branch>` or `refs/tags/<tag>`. */
  ref: string;
  /** The new commit; all zeros when the ref was deleted. */
  after: string;
  /** The ref's commit before the push (all zeros for a new ref); CircleCI's `pipeline.git.base_revision`. */
  before?: string;
  /** The head commit's full message (subject, blank line, body). */
  message?: string;
  deleted?: boolean;
}

export type PushOutcome = { ref: string; pipeline: Pipeline } | { ref: string; skipped: string };

/** `[skip ci]` or `[ci skip]` in the first 250 characters of the head commit message, as CircleCI checks. */
export function hasSkipMarker(message: string | undefined): boolean {
  return /\[(skip ci|ci skip)\]/i.test((message ?? '').slice(0, 250));
}

export function splitMessage(message: string | undefined): { subject: string; body: string } {
  const [subject = '', ...rest] = (message ?? '').split('\n');
  return { subject, body: rest.join('\n').trim() };
}

/**
 * Why a ref update never builds, whatever the project's settings (deleted refs, refs other than branches and
 * tags, skip markers), or `undefined` when it may build. Pure, so the webhook endpoint can answer at once.
 */
export function refUpdateSkipReason(update: RefUpdate): string | undefined {
  if (update.deleted || ZERO_SHA.test(update.after)) return `${update.ref} was deleted; deleted refs never build.`;
  if (!/^refs\/(heads|tags)\/./.test(update.ref)) return `${update.ref} is neither a branch nor a tag.`;
  if (hasSkipMarker(update.message)) return 'The head commit message asks to skip CI ([skip ci] or [ci skip]).';
  return undefined;
}

/**
 * A push with GitHub's semantics: a branch or tag update starts a pipeline at the pushed commit unless it
 * was a deletion, carries a skip marker, or `build_prs_only` holds it back (the default branch and the
 * override branches always build); with auto-cancel on, older running workflows on the same non-default
 * branch are canceled.
 */
export async function triggerFromPush(
  deps: Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'queue' | 'clock'>,
  project: Project,
  update: RefUpdate,
  actor: { login: string; avatarUrl: string | null },
): Promise<PushOutcome> {
  const skip = refUpdateSkipReason(update);
  if (skip) return { ref: update.ref, skipped: skip };
  const [, kind, name] = /^refs\/(heads|tags)\/(.+)$/.exec(update.ref)!;
  if (kind === 'heads' && !branchPushBuilds(project, name)) {
    return {
      ref: update.ref,
      skipped: `Only pull requests build on ${project.slug} (build_prs_only); ${name} is not the default branch or an override.`,
    };
  }
  const pipeline = await triggerPipeline(deps, project, {
    ...(kind === 'heads' ? { branch: name } : { tag: name }),
    revision: update.after,
    commit: update.message === undefined ? undefined : splitMessage(update.message),
    trigger: { type: 'webhook', actor },
    ...(update.before && !ZERO_SHA.test(update.before) ? { eventValues: { 'git.base_revision': update.before } } : {}),
  });
  if (kind === 'heads') await cancelRedundantWorkflows(deps, project, pipeline);
  return { ref: update.ref, pipeline };
}
