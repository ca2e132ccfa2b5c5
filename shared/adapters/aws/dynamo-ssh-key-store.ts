import type { SshKeyId, SshKeyStore, StoredSshKey } from '../../ports/ssh-key-store';
import { toEntity, type DynamoTable } from './dynamo-table';

const keyOf = (id: SshKeyId) => ({ pk: `SSHKEYS#${id.projectSlug}`, sk: `${id.kind}#${id.fingerprint}#${id.hostname ?? ''}` });

/** A project's SSH keys in the single table: one partition per project, sort key kind#fingerprint#host. */
export class DynamoSshKeyStore implements SshKeyStore {
  constructor(private readonly table: DynamoTable) {}

  put(key: StoredSshKey): Promise<boolean> {
    return this.table.put({ ...keyOf(key), ...key }, { ifNotExists: true });
  }

  async list(projectSlug: string, kind: StoredSshKey['kind']): Promise<StoredSshKey[]> {
    const items = await this.table.queryAll({ partition: `SSHKEYS#${projectSlug}`, prefix: `${kind}#`, consistent: true });
    return items
      .map((i) => toEntity<StoredSshKey>(i)!)
      .sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.fingerprint.localeCompare(b.fingerprint) || (a.hostname ?? '').localeCompare(b.hostname ?? ''),
      );
  }

  delete(id: SshKeyId): Promise<boolean> {
    return this.table.delete(keyOf(id), { ifExists: true });
  }
}
