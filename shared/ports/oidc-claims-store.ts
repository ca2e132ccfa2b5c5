/** An organisation's or a project's OIDC custom claims (CircleCI's `oidc-custom-claims`). */
export interface OidcCustomClaims {
  orgId: string;
  /** Absent: the organisation's own claims. */
  projectId?: string;
  audience?: string[];
  audienceUpdatedAt?: string;
  /** A JSON duration (`1h`, `30m`, `1h30m`). */
  ttl?: string;
  ttlUpdatedAt?: string;
}

/**
 * OIDC custom claims, one record per organisation and per project.
 *
 * Semantics (every adapter passes `defineOidcClaimsStoreContract`):
 * - `get` is strongly consistent; resolves undefined when nothing was set.
 * - `put` replaces the whole record (last writer wins); `delete` removes it and is safe to call twice.
 */
export interface OidcClaimsStore {
  get(orgId: string, projectId?: string): Promise<OidcCustomClaims | undefined>;
  put(claims: OidcCustomClaims): Promise<void>;
  delete(orgId: string, projectId?: string): Promise<void>;
}
