import type { User } from '../../model/entities';
import type { IdentityStore, StoredToken } from '../../ports/identity-store';
import { DynamoTable, toEntity } from './dynamo-table';

/** Users (`USER#id`) and token hashes (`TOKEN#sha256`). */
export class DynamoIdentityStore implements IdentityStore {
  constructor(private readonly table: DynamoTable) {}

  createUser(user: User): Promise<boolean> {
    return this.table.put({ pk: `USER#${user.id}`, sk: 'META', entity: 'user', ...user }, { ifNotExists: true });
  }

  async getUser(id: string): Promise<User | undefined> {
    return toEntity<User>(await this.table.get({ pk: `USER#${id}`, sk: 'META' }));
  }

  async putToken(token: StoredToken): Promise<void> {
    await this.table.put({ pk: `TOKEN#${token.hash}`, sk: 'META', entity: 'token', ...token });
  }

  async getToken(hash: string): Promise<StoredToken | undefined> {
    return toEntity<StoredToken>(await this.table.get({ pk: `TOKEN#${hash}`, sk: 'META' }));
  }
}
