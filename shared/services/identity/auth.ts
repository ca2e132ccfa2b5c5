import { randomUUID } from 'node:crypto';
import type { Role, User } from '../../model/entities';
import { ForbiddenError, UnauthorizedError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';
import { hashToken } from './tokens';

/**
 * Reads the API token the way CircleCI accepts it (API v1.1 and v2): `Circle-Token` header, HTTP basic with the
 * token as user name, or the `circle-token` query parameter.
 */
export function tokenFromRequest(headers: Record<string, string | undefined>, query: Record<string, string | undefined>): string | undefined {
  return tokenFromHeaders(headers) ?? (query['circle-token'] || undefined);
}

/** The API token from the `Circle-Token` header, HTTP basic (token as user name) or a bearer token. */
export function tokenFromHeaders(headers: Record<string, string | undefined>): string | undefined {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (h['circle-token']) return h['circle-token'];
  const auth = h['authorization'];
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    return decoded.split(':')[0] || undefined;
  }
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return undefined;
}

/** Resolves the user behind an API token; 401 when missing or unknown. */
export async function authenticate(deps: Pick<ControlPlaneDeps, 'identity'>, token: string | undefined): Promise<User> {
  if (!token) throw new UnauthorizedError('You must log in first: send your API token in the Circle-Token header.');
  const stored = await deps.identity.getToken(hashToken(token));
  const user = stored && (await deps.identity.getUser(stored.userId));
  if (!user) throw new UnauthorizedError('Invalid token provided.');
  return user;
}

const RANK: Record<Role, number> = { viewer: 1, member: 2, admin: 3 };

/** The user's role in an organisation (`gh/acme`); instance admins are admins everywhere. */
export function roleIn(user: User, orgSlug: string): Role | undefined {
  if (user.admin) return 'admin';
  return user.roles[orgSlug];
}

/** Throws 403 (or 404 for no access at all, so project names do not leak) unless the user has `needed`. */
export function authorize(user: User, orgSlug: string, needed: Role): void {
  const role = roleIn(user, orgSlug);
  if (!role) throw new ForbiddenError(`You do not have access to ${orgSlug}. Ask an organisation admin to add you.`);
  if (RANK[role] < RANK[needed]) {
    throw new ForbiddenError(`This action needs the ${needed} role in ${orgSlug}; you are ${role}.`);
  }
}

/** Creates (once) the instance admin and registers the given API token for it. Safe to call at every start. */
export async function seedAdmin(deps: Pick<ControlPlaneDeps, 'identity' | 'clock'>, token: string): Promise<User> {
  const existing = await deps.identity.getToken(hashToken(token));
  if (existing) return (await deps.identity.getUser(existing.userId))!;
  const user: User = { id: randomUUID(), login: 'admin', name: 'Administrator', roles: {}, admin: true, createdAt: deps.clock.now().toISOString() };
  await deps.identity.createUser(user);
  await deps.identity.putToken({ hash: hashToken(token), userId: user.id, label: 'admin', createdAt: user.createdAt });
  return user;
}
