import type { Context, ContextRestriction } from '../../model/entities';
import type { ContextStore, StoredContextVariable } from '../../ports/context-store';
import type { Page } from '../../ports/pipeline-store';
import { decodePageToken, DynamoTable, encodePageToken, toEntity } from './dynamo-table';

const contextKey = (id: string) => ({ pk: `CONTEXT#${id}`, sk: 'META' });
const nameKey = (owner: string, name: string) => ({ pk: `CONTEXTNAME#${owner}#${name}`, sk: 'META' });

/**
 * Contexts in the single table: `CONTEXT#id`/`META` (gsi1 `ORG#owner#CONTEXTS` / name), a name lock
 * `CONTEXTNAME#owner#name`, variables `CONTEXT#id`/`VAR#name`, restrictions `CONTEXT#id`/`RESTRICTION#createdAt#id`.
 */
export class DynamoContextStore implements ContextStore {
  constructor(private readonly table: DynamoTable) {}

  async createContext(context: Context): Promise<boolean> {
    if (await this.table.get(contextKey(context.id))) return false;
    if (!(await this.table.put({ ...nameKey(context.ownerSlug, context.name), entity: 'context-name', contextId: context.id }, { ifNotExists: true }))) {
      return false;
    }
    return this.table.put(
      { ...contextKey(context.id), gsi1pk: `ORG#${context.ownerSlug}#CONTEXTS`, gsi1sk: context.name, entity: 'context', ...context },
      { ifNotExists: true },
    );
  }

  async getContext(id: string): Promise<Context | undefined> {
    return toEntity<Context>(await this.table.get(contextKey(id)));
  }

  async getContextByName(ownerSlug: string, name: string): Promise<Context | undefined> {
    const lock = await this.table.get(nameKey(ownerSlug, name));
    return lock ? this.getContext(String(lock.contextId)) : undefined;
  }

  async listContexts(ownerSlug: string, options: { pageToken?: string; limit?: number } = {}): Promise<Page<Context>> {
    const page = await this.table.query({
      index: 'gsi1',
      partition: `ORG#${ownerSlug}#CONTEXTS`,
      limit: options.limit ?? 100,
      startKey: decodePageToken(options.pageToken),
    });
    return { items: page.items.map((i) => toEntity<Context>(i)!), nextPageToken: encodePageToken(page.lastKey) };
  }

  async deleteContext(id: string): Promise<boolean> {
    const context = await this.getContext(id);
    if (!context) return false;
    const children = await this.table.queryAll({ partition: `CONTEXT#${id}`, consistent: true });
    for (const item of children) if (item.sk !== 'META') await this.table.delete({ pk: String(item.pk), sk: String(item.sk) });
    const deleted = await this.table.delete(contextKey(id), { ifExists: true });
    await this.table.delete(nameKey(context.ownerSlug, context.name));
    return deleted;
  }

  async putVariable(variable: StoredContextVariable): Promise<StoredContextVariable> {
    const key = { pk: `CONTEXT#${variable.contextId}`, sk: `VAR#${variable.name}` };
    const existing = toEntity<StoredContextVariable>(await this.table.get(key));
    const stored = { ...variable, createdAt: existing?.createdAt ?? variable.createdAt };
    await this.table.put({ ...key, entity: 'context-var', ...stored });
    return stored;
  }

  async listVariables(contextId: string): Promise<StoredContextVariable[]> {
    const items = await this.table.queryAll({ partition: `CONTEXT#${contextId}`, prefix: 'VAR#', consistent: true });
    return items.map((i) => toEntity<StoredContextVariable>(i)!);
  }

  deleteVariable(contextId: string, name: string): Promise<boolean> {
    return this.table.delete({ pk: `CONTEXT#${contextId}`, sk: `VAR#${name}` }, { ifExists: true });
  }

  async putRestriction(restriction: ContextRestriction): Promise<void> {
    await this.table.put({
      pk: `CONTEXT#${restriction.contextId}`,
      sk: `RESTRICTION#${restriction.createdAt}#${restriction.id}`,
      entity: 'context-restriction',
      ...restriction,
    });
  }

  async listRestrictions(contextId: string): Promise<ContextRestriction[]> {
    const items = await this.table.queryAll({ partition: `CONTEXT#${contextId}`, prefix: 'RESTRICTION#', consistent: true });
    return items.map((i) => toEntity<ContextRestriction>(i)!);
  }

  async deleteRestriction(contextId: string, restrictionId: string): Promise<boolean> {
    const found = (await this.listRestrictions(contextId)).find((r) => r.id === restrictionId);
    if (!found) return false;
    return this.table.delete({ pk: `CONTEXT#${contextId}`, sk: `RESTRICTION#${found.createdAt}#${found.id}` }, { ifExists: true });
  }
}
