import type { Project } from '../../model/entities';
import { ForbiddenError, ValidationError } from '../../model/errors';
import type { OidcCustomClaims } from '../../ports/oidc-claims-store';
import type { ControlPlaneDeps } from '../deps';

/**
 * OIDC custom claims (CircleCI's `/org/{orgID}[/project/{projectID}]/oidc-custom-claims`): the audience and
 * lifetime of the tokens jobs get. A project's setting wins over its organisation's, claim by claim.
 */
type Deps = Pick<ControlPlaneDeps, 'oidcClaims' | 'clock' | 'projects'>;

/** CircleCI's default token lifetime. */
export const DEFAULT_OIDC_TTL_SECONDS = 3600;
const MIN_TTL_SECONDS = 5 * 60;
const MAX_TTL_SECONDS = 24 * 3600;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const MAX_AUDIENCES = 20;

/** Seconds of a JSON duration (`1h`, `90m`, `1h30m`), bounded to 5 minutes … 24 hours. */
export function parseTtl(ttl: string): number {
  if (!/^([0-9]+(ms|s|m|h|d|w)){1,7}$/.test(ttl))
    throw new ValidationError(`ttl "${ttl}" is not a duration: use a number and a unit (ms, s, m, h, d, w), e.g. "1h" or "1h30m".`);
  const seconds = [...ttl.matchAll(/([0-9]+)(ms|s|m|h|d|w)/g)].reduce((n, m) => n + Number(m[1]) * UNIT_SECONDS[m[2]], 0);
  if (seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS) throw new ValidationError(`ttl "${ttl}" is out of range: OIDC tokens live between 5m and 24h.`);
  return Math.floor(seconds);
}

function checkAudience(audience: string[]): string[] {
  if (audience.length > MAX_AUDIENCES) throw new ValidationError(`audience has ${audience.length} entries; at most ${MAX_AUDIENCES} are allowed.`);
  for (const a of audience) if (!a.trim() || a.length > 256) throw new ValidationError(`audience entry "${a.slice(0, 40)}" must be 1 to 256 characters.`);
  return audience;
}

/**
 * The organisation id (and project id) exist and belong together; resolves the organisation's slug. Unknown ids
 * are 403s, as the API spec has it for these operations.
 */
export async function claimsScope(deps: Deps, orgId: string, projectId?: string): Promise<{ orgSlug: string; project?: Project }> {
  const projects = await deps.projects.listProjects();
  const inOrg = projects.filter((p) => p.organizationId === orgId);
  if (!inOrg.length)
    throw new ForbiddenError(`No organization ${orgId} is known to you: use the org_id of one of your projects (GET /api/v2/project/{project-slug}).`);
  if (projectId === undefined) return { orgSlug: inOrg[0].organizationSlug };
  const project = inOrg.find((p) => p.id === projectId);
  if (!project) throw new ForbiddenError(`No project ${projectId} is known in organization ${orgId}: use the id from GET /api/v2/project/{project-slug}.`);
  return { orgSlug: project.organizationSlug, project };
}

/** CircleCI's `ClaimResponse`. */
export function apiClaims(c: OidcCustomClaims) {
  return {
    org_id: c.orgId,
    ...(c.projectId && { project_id: c.projectId }),
    ...(c.audience && { audience: c.audience, audience_updated_at: c.audienceUpdatedAt }),
    ...(c.ttl && { ttl: c.ttl, ttl_updated_at: c.ttlUpdatedAt }),
  };
}

export async function getCustomClaims(deps: Deps, orgId: string, projectId?: string) {
  return apiClaims((await deps.oidcClaims.get(orgId, projectId)) ?? { orgId, projectId });
}

export async function patchCustomClaims(deps: Deps, orgId: string, projectId: string | undefined, patch: { audience?: string[]; ttl?: string }) {
  const now = deps.clock.now().toISOString();
  const current = (await deps.oidcClaims.get(orgId, projectId)) ?? { orgId, ...(projectId && { projectId }) };
  const next: OidcCustomClaims = { ...current };
  if (patch.audience !== undefined) Object.assign(next, { audience: checkAudience(patch.audience), audienceUpdatedAt: now });
  if (patch.ttl !== undefined) {
    parseTtl(patch.ttl);
    Object.assign(next, { ttl: patch.ttl, ttlUpdatedAt: now });
  }
  await deps.oidcClaims.put(next);
  return apiClaims(next);
}

/** Removes the named claims (`claims=audience,ttl`). */
export async function deleteCustomClaims(deps: Deps, orgId: string, projectId: string | undefined, claims: string | undefined) {
  const names = (claims ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (!names.length) throw new ValidationError('The claims query parameter is required: a comma-separated list of "audience" and "ttl".');
  const unknown = names.find((n) => n !== 'audience' && n !== 'ttl');
  if (unknown) throw new ValidationError(`Unknown claim "${unknown}" in claims: only "audience" and "ttl" can be deleted.`);
  const current = (await deps.oidcClaims.get(orgId, projectId)) ?? { orgId, ...(projectId && { projectId }) };
  const { audience, audienceUpdatedAt, ttl, ttlUpdatedAt, ...ids } = current;
  const next: OidcCustomClaims = {
    ...ids,
    ...(!names.includes('audience') && audience && { audience, audienceUpdatedAt }),
    ...(!names.includes('ttl') && ttl && { ttl, ttlUpdatedAt }),
  };
  if (next.audience || next.ttl) await deps.oidcClaims.put(next);
  else await deps.oidcClaims.delete(orgId, projectId);
  return apiClaims(next);
}

/** The audience and lifetime a project's job tokens get: project setting, else organisation setting, else defaults. */
export async function effectiveClaims(deps: Pick<ControlPlaneDeps, 'oidcClaims'>, project: Project): Promise<{ audience: string[]; ttlSeconds: number }> {
  const [org, own] = await Promise.all([deps.oidcClaims.get(project.organizationId), deps.oidcClaims.get(project.organizationId, project.id)]);
  const ttl = own?.ttl ?? org?.ttl;
  return { audience: own?.audience ?? org?.audience ?? [project.organizationId], ttlSeconds: ttl ? parseTtl(ttl) : DEFAULT_OIDC_TTL_SECONDS };
}
