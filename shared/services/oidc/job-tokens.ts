import type { Job, Pipeline, Project, Workflow } from '../../model/entities';
import { ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';
import { pipelineReceivesSecrets } from '../projects/project-settings';
import { effectiveClaims } from './custom-claims';
import { signJwt } from './jwt';

/** The OIDC tokens of one task attempt, as CircleCI names them in the job's environment. */
export interface JobOidcTokens {
  CIRCLE_OIDC_TOKEN: string;
  CIRCLE_OIDC_TOKEN_V2: string;
}

export interface JobOidcContext {
  job: Job;
  pipeline: Pipeline;
  workflow: Workflow;
  project: Project;
}

type Deps = Pick<ControlPlaneDeps, 'oidcKey' | 'oidcClaims' | 'contexts' | 'clock' | 'publicUrl'>;

const NS = 'oidc.circleci.com';

/** `github.com/acme/app` from `https://github.com/acme/app.git`, `git@github.com:acme/app.git` or a local path. */
export function vcsOrigin(repoUrl: string): string {
  const scp = /^[\w.-]+@([^:/]+):(.+)$/.exec(repoUrl);
  const path = scp ? `${scp[1]}/${scp[2]}` : repoUrl.replace(/^[a-z+]+:\/\/(?:[^@/]*@)?/i, '');
  return path
    .replace(/\.git\/?$/, '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
}

/** `refs/heads/<branch>` or `refs/tags/<tag>`. */
export const vcsRef = (p: Pipeline): string => (p.vcs.tag ? `refs/tags/${p.vcs.tag}` : `refs/heads/${p.vcs.branch ?? ''}`);

/** The ids of the job's contexts (those it may use: forked pull requests without secrets get none). */
async function contextIds(deps: Deps, ctx: JobOidcContext): Promise<string[]> {
  if (!ctx.job.plan.contexts.length || !pipelineReceivesSecrets(ctx.project, ctx.pipeline)) return [];
  const found = await Promise.all(ctx.job.plan.contexts.map((name) => deps.contexts.getContextByName(ctx.project.organizationSlug, name)));
  return found.flatMap((c) => (c ? [c.id] : []));
}

/** CircleCI's claims for a job, without `aud`, `iat`, `exp`. */
async function baseClaims(deps: Deps, ctx: JobOidcContext) {
  const { project, pipeline, workflow, job } = ctx;
  const sub = `org/${project.organizationId}/project/${project.id}/user/${workflow.startedBy}`;
  const origin = vcsOrigin(project.repoUrl);
  const ref = vcsRef(pipeline);
  const claims = {
    iss: deps.publicUrl,
    [`${NS}/org-id`]: project.organizationId,
    [`${NS}/project-id`]: project.id,
    [`${NS}/context-ids`]: await contextIds(deps, ctx),
    [`${NS}/vcs-origin`]: origin,
    [`${NS}/vcs-ref`]: ref,
    [`${NS}/ssh-rerun`]: Boolean(job.sshRerun),
    [`${NS}/pipeline-id`]: pipeline.id,
    [`${NS}/workflow-id`]: workflow.id,
    [`${NS}/job-id`]: job.id,
  };
  return { claims, sub, subV2: `${sub}/vcs-origin/${origin}/vcs-ref/${ref}` };
}

const audClaim = (audience: string[]) => (audience.length === 1 ? audience[0] : audience);

/** Mints the task attempt's `CIRCLE_OIDC_TOKEN` (v1 subject) and `CIRCLE_OIDC_TOKEN_V2` (subject with VCS origin and ref). */
export async function mintJobOidcTokens(deps: Deps, ctx: JobOidcContext): Promise<JobOidcTokens> {
  const [{ claims, sub, subV2 }, { audience, ttlSeconds }] = await Promise.all([baseClaims(deps, ctx), effectiveClaims(deps, ctx.project)]);
  const iat = Math.floor(deps.clock.now().getTime() / 1000);
  const times = { aud: audClaim(audience), iat, exp: iat + ttlSeconds };
  const [v1, v2] = await Promise.all([signJwt(deps.oidcKey, { ...claims, sub, ...times }), signJwt(deps.oidcKey, { ...claims, sub: subV2, ...times })]);
  return { CIRCLE_OIDC_TOKEN: v1, CIRCLE_OIDC_TOKEN_V2: v2 };
}

/** What `circleci run oidc get --claims '<json>'` may change: the audience only. */
export function parseRequestedClaims(claims: unknown): { aud?: string[] } {
  if (claims === undefined || claims === null) return {};
  if (typeof claims !== 'object' || Array.isArray(claims)) throw new ValidationError('--claims must be a JSON object, e.g. \'{"aud": "sts.amazonaws.com"}\'.');
  const { aud, ...rest } = claims as Record<string, unknown>;
  const other = Object.keys(rest);
  if (other.length) throw new ValidationError(`--claims may set only "aud"; "${other[0]}" is set by Slipway.`);
  if (aud === undefined) return {};
  const list = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(list) || !list.length || list.some((a) => typeof a !== 'string' || !a.trim() || a.length > 256)) {
    throw new ValidationError('--claims "aud" must be a non-empty string or a list of them (at most 256 characters each).');
  }
  return { aud: list as string[] };
}

/** A fresh v2 token for a running task (`circleci run oidc get`), with the requested audience if any. */
export async function mintRequestedOidcToken(deps: Deps, ctx: JobOidcContext, requested: { aud?: string[] }): Promise<string> {
  const [{ claims, subV2 }, { audience, ttlSeconds }] = await Promise.all([baseClaims(deps, ctx), effectiveClaims(deps, ctx.project)]);
  const iat = Math.floor(deps.clock.now().getTime() / 1000);
  return signJwt(deps.oidcKey, { ...claims, sub: subV2, aud: audClaim(requested.aud ?? audience), iat, exp: iat + ttlSeconds });
}

/** The issuer's discovery document (OpenID Connect Discovery 1.0) at `/.well-known/openid-configuration`. */
export function discoveryDocument(publicUrl: string) {
  return {
    issuer: publicUrl,
    jwks_uri: `${publicUrl}/.well-known/jwks-pub.json`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    claims_supported: [
      'aud',
      'exp',
      'iat',
      'iss',
      'sub',
      ...['org-id', 'project-id', 'context-ids', 'vcs-origin', 'vcs-ref', 'ssh-rerun', 'pipeline-id', 'workflow-id', 'job-id'].map((c) => `${NS}/${c}`),
    ],
  };
}
