import type { OidcClaimsStore, OidcCustomClaims } from '../../ports/oidc-claims-store';
import { toEntity, type DynamoTable } from './dynamo-table';

const keyOf = (orgId: string, projectId?: string) => ({ pk: `OIDCCLAIMS#${orgId}`, sk: projectId ? `project#${projectId}` : 'org' });

/** OIDC custom claims in the single table: one partition per organisation, its projects beside it. */
export class DynamoOidcClaimsStore implements OidcClaimsStore {
  constructor(private readonly table: DynamoTable) {}

  async get(orgId: string, projectId?: string): Promise<OidcCustomClaims | undefined> {
    return toEntity<OidcCustomClaims>(await this.table.get(keyOf(orgId, projectId)));
  }

  async put(claims: OidcCustomClaims): Promise<void> {
    await this.table.put({ ...keyOf(claims.orgId, claims.projectId), ...claims });
  }

  async delete(orgId: string, projectId?: string): Promise<void> {
    await this.table.delete(keyOf(orgId, projectId));
  }
}
