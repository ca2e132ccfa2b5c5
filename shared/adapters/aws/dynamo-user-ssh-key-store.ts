import type { UserSshKey, UserSshKeyStore } from '../../ports/user-ssh-key-store';
import { toEntity, type DynamoTable } from './dynamo-table';

const pk = (userId: string) => `USERSSHKEYS#${userId}`;

/** Users' SSH public keys in the single table: one partition per user, sort key the SHA-256 fingerprint. */
export class DynamoUserSshKeyStore implements UserSshKeyStore {
  constructor(private readonly table: DynamoTable) {}

  put(key: UserSshKey): Promise<boolean> {
    return this.table.put({ pk: pk(key.userId), sk: key.sha256Fingerprint, ...key }, { ifNotExists: true });
  }

  async list(userId: string): Promise<UserSshKey[]> {
    const items = await this.table.queryAll({ partition: pk(userId), consistent: true });
    return items
      .map((i) => toEntity<UserSshKey>(i)!)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.sha256Fingerprint.localeCompare(b.sha256Fingerprint));
  }

  delete(userId: string, sha256Fingerprint: string): Promise<boolean> {
    return this.table.delete({ pk: pk(userId), sk: sha256Fingerprint }, { ifExists: true });
  }
}
