import { createHash, randomBytes } from 'node:crypto';

export type { TaskClaims } from '../../ports/token-signer';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new random API token (CircleCI-like: 40 hex characters). */
export function newApiToken(): string {
  return randomBytes(20).toString('hex');
}

/** A deterministic UUID from parts: lets a redelivered message create the same ids (idempotent creates). */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
