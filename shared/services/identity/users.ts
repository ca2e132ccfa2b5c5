import { randomUUID } from 'node:crypto';
import type { Role, User } from '../../model/entities';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../model/errors';
import { authorize } from './auth';
import type { ControlPlaneDeps } from '../deps';
import { hashToken, newApiToken, stableUuid } from './tokens';

type Deps = Pick<ControlPlaneDeps, 'identity' | 'clock'>;
const ORG = /^(gh|bb|gl|circleci)\/[A-Za-z0-9_.-]+$/;

function requireInstanceAdmin(actor: User): void {
  if (!actor.admin) throw new ForbiddenError('Only an instance admin can manage users. Ask the administrator of this Slipway installation.');
}

/** Instance admins create users (there is no sign-up: users come from the administrator). */
export async function createUser(deps: Deps, actor: User, input: { login: string; name?: string; admin?: boolean }): Promise<User> {
  requireInstanceAdmin(actor);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(input.login))
    throw new ValidationError(`Invalid login "${input.login}": use letters, digits, ".", "_" and "-".`);
  const user: User = {
    id: randomUUID(),
    login: input.login,
    name: input.name ?? input.login,
    roles: {},
    admin: input.admin ?? false,
    createdAt: deps.clock.now().toISOString(),
  };
  if (!(await deps.identity.createUser(user))) throw new ConflictError(`A user with login ${input.login} exists already.`);
  return user;
}

/** A new personal API token for a user (instance admins for anyone, users for themselves); shown once. */
export async function issueToken(deps: Deps, actor: User, userId: string, label: string): Promise<{ token: string; label: string; created_at: string }> {
  if (actor.id !== userId) requireInstanceAdmin(actor);
  if (!(await deps.identity.getUser(userId))) throw new NotFoundError('User not found');
  const token = newApiToken();
  const createdAt = deps.clock.now().toISOString();
  await deps.identity.putToken({ hash: hashToken(token), userId, label, createdAt });
  return { token, label, created_at: createdAt };
}

/** How a token is named in the API: the start of its hash (the token itself is never stored or shown again). */
const tokenId = (hash: string) => hash.slice(0, 16);

/** A user's personal API tokens, without their secrets (instance admins for anyone, users for themselves). */
export async function listTokens(
  deps: Deps,
  actor: User,
  userId: string,
): Promise<{ items: Array<{ id: string; label: string; created_at: string }>; next_page_token: null }> {
  if (actor.id !== userId) requireInstanceAdmin(actor);
  if (!(await deps.identity.getUser(userId))) throw new NotFoundError('User not found');
  const tokens = await deps.identity.listTokens(userId);
  return { items: tokens.map((t) => ({ id: tokenId(t.hash), label: t.label, created_at: t.createdAt })), next_page_token: null };
}

/** Revokes one of a user's tokens by the id `listTokens` gives (instance admins for anyone, users for themselves). */
export async function revokeToken(deps: Deps, actor: User, userId: string, id: string): Promise<void> {
  if (actor.id !== userId) requireInstanceAdmin(actor);
  const token = (await deps.identity.listTokens(userId)).find((t) => tokenId(t.hash) === id);
  if (!token || !(await deps.identity.deleteToken(token.hash)))
    throw new NotFoundError(`No token ${id} of this user. List them with GET /api/v2/slipway/users/${userId}/tokens.`);
}

/** Signs out: revokes the token the request came with. */
export async function revokeOwnToken(deps: Deps, token: string): Promise<void> {
  await deps.identity.deleteToken(hashToken(token));
}

/** Grants (or with `undefined` revokes) a role in an organisation; instance admins and that organisation's admins may. */
export async function grantRole(deps: Deps, actor: User, userId: string, orgSlug: string, role: Role | undefined): Promise<User> {
  if (!ORG.test(orgSlug)) throw new ValidationError(`Invalid organisation "${orgSlug}": expected <vcs>/<org>, for example gh/acme.`);
  authorize(actor, orgSlug, 'admin');
  const updated = await deps.identity.setRole(userId, orgSlug, role);
  if (!updated) throw new NotFoundError('User not found');
  return updated;
}

/**
 * A user as another user may see them: instance admins see everyone, anyone sees themselves and the members
 * of their own organisations; anyone else is "not found" (no hint that the id exists).
 */
export async function getVisibleUser(deps: Pick<ControlPlaneDeps, 'identity'>, actor: User, id: string): Promise<User> {
  const user = await deps.identity.getUser(id);
  const shared = (u: User) => Object.keys(u.roles).some((org) => org in actor.roles);
  if (!user || !(actor.admin || user.id === actor.id || shared(user))) throw new NotFoundError('User not found');
  return user;
}

export function apiUser(u: User) {
  return { id: u.id, login: u.login, name: u.name };
}

/** The organisations a user belongs to (CircleCI's collaborations); instance admins see every organisation with projects. */
export async function collaborations(deps: Pick<ControlPlaneDeps, 'projects'>, user: User) {
  const orgs = new Set(Object.keys(user.roles));
  if (user.admin) for (const p of await deps.projects.listProjects()) orgs.add(p.organizationSlug);
  return [...orgs].sort().map((slug) => {
    const [vcs, name] = slug.split('/');
    return { id: stableUuid('org', vcs, name), 'vcs-type': vcs === 'gh' ? 'github' : vcs === 'bb' ? 'bitbucket' : vcs, name, avatar_url: '', slug };
  });
}
