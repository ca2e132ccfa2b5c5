import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { TableIndex } from '../../model/table-schema';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;
export interface Key {
  pk: string;
  sk: string;
}

export interface QueryOptions {
  /** A global secondary index (keys only: the items are then read from the table by key). */
  index?: TableIndex;
  /** Partition key value (of the table or the index). */
  partition: string;
  /** Sort key prefix. */
  prefix?: string;
  /** Exact sort key. */
  equals?: string;
  descending?: boolean;
  limit?: number;
  startKey?: Item;
  consistent?: boolean;
}

/** Names of key attributes that are never part of an entity. */
const KEY_ATTRS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'expiresAt', 'entity'];

/** Strips the key attributes from a stored item. */
export function toEntity<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRS.includes(k)) out[k] = v;
  return out as T;
}

/**
 * A value as JSON would carry it (`undefined` and functions dropped, or `null` in arrays; dates as strings),
 * binary values (`Uint8Array`, stored as DynamoDB binary) kept as they are. DynamoDB rejects `undefined`.
 */
export function clean<T>(value: T): T {
  return cleanValue(value) as T;
}

function cleanValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return v;
  if (v === null || typeof v !== 'object') return typeof v === 'number' && !Number.isFinite(v) ? null : v;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(v));
  if (Array.isArray(v)) return v.map((x) => (x === undefined || typeof x === 'function' ? null : cleanValue(x)));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'function' && typeof x !== 'symbol') out[k] = cleanValue(x);
  return out;
}

/**
 * Thin helper over the DocumentClient for the single-table design: conditional puts/updates that report a
 * failed condition as `false`/`undefined` instead of throwing.
 */
export class DynamoTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(key: Key): Promise<Item | undefined> {
    const res = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return res.Item;
  }

  /** Puts an item; with `ifNotExists` resolves `false` when an item with that key exists. */
  async put(item: Item, options: { ifNotExists?: boolean } = {}): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: clean(item),
          ConditionExpression: options.ifNotExists ? 'attribute_not_exists(pk)' : undefined,
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async delete(key: Key, options: { ifExists?: boolean } = {}): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ConditionExpression: options.ifExists ? 'attribute_exists(pk)' : undefined,
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /** Writes many items (chunks of 25, retrying unprocessed items). */
  async putMany(items: Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: clean(item) } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        const res = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (res.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length && attempt > 8) throw new Error(`DynamoDB left ${requests.length} items unprocessed after retries`);
        if (requests.length) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
  }

  /**
   * Updates attributes: `set` values (undefined removes the attribute), `add` numbers. `condition` is a raw
   * condition expression using `#n0..` names/`:c0..` values supplied in `conditionNames`/`conditionValues`.
   * Resolves the new item, or `undefined` when the condition failed.
   */
  async update(
    key: Key,
    changes: { set?: Record<string, unknown>; add?: Record<string, number>; paths?: Record<string, unknown> },
    condition?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
  ): Promise<Item | undefined> {
    const names: Record<string, string> = { ...(condition?.names ?? {}) };
    const values: Record<string, unknown> = { ...(condition?.values ?? {}) };
    const sets: string[] = [];
    const removes: string[] = [];
    const adds: string[] = [];
    let n = 0;
    for (const [attr, value] of Object.entries(changes.set ?? {})) {
      const name = `#s${n}`;
      names[name] = attr;
      if (value === undefined) removes.push(name);
      else {
        values[`:s${n}`] = clean(value);
        sets.push(`${name} = :s${n}`);
      }
      n++;
    }
    // Raw document paths such as `tasks[0].status`: each dotted segment gets its own placeholder.
    for (const [path, value] of Object.entries(changes.paths ?? {})) {
      const expr = path
        .split('.')
        .map((seg, j) => {
          const m = /^([^[]+)((\[\d+\])*)$/.exec(seg);
          if (!m) throw new Error(`Invalid document path ${path}`);
          const name = `#p${n}_${j}`;
          names[name] = m[1];
          return name + m[2];
        })
        .join('.');
      if (value === undefined) removes.push(expr);
      else {
        values[`:p${n}`] = clean(value);
        sets.push(`${expr} = :p${n}`);
      }
      n++;
    }
    for (const [attr, value] of Object.entries(changes.add ?? {})) {
      names[`#a${n}`] = attr;
      values[`:a${n}`] = value;
      adds.push(`#a${n} :a${n}`);
      n++;
    }
    const parts: string[] = [];
    if (sets.length) parts.push(`SET ${sets.join(', ')}`);
    if (removes.length) parts.push(`REMOVE ${removes.join(', ')}`);
    if (adds.length) parts.push(`ADD ${adds.join(', ')}`);
    try {
      const res = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: parts.join(' '),
          ConditionExpression: condition?.expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return res.Attributes;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return undefined;
      throw e;
    }
  }

  async query(options: QueryOptions): Promise<{ items: Item[]; lastKey?: Item }> {
    const pkAttr = options.index ? `${options.index}pk` : 'pk';
    const skAttr = options.index ? `${options.index}sk` : 'sk';
    const names: Record<string, string> = { '#pk': pkAttr };
    const values: Record<string, unknown> = { ':pk': options.partition };
    let expr = '#pk = :pk';
    if (options.prefix !== undefined) {
      names['#sk'] = skAttr;
      values[':sk'] = options.prefix;
      expr += ' AND begins_with(#sk, :sk)';
    } else if (options.equals !== undefined) {
      names['#sk'] = skAttr;
      values[':sk'] = options.equals;
      expr += ' AND #sk = :sk';
    }
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: options.index,
        KeyConditionExpression: expr,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: !options.descending,
        Limit: options.limit,
        ExclusiveStartKey: options.startKey,
        ConsistentRead: options.index ? undefined : options.consistent,
      }),
    );
    const items = res.Items ?? [];
    return { items: options.index ? await this.getMany(items as unknown as Key[], options.consistent) : items, lastKey: res.LastEvaluatedKey };
  }

  /**
   * The items with these keys, in the keys' order; keys whose item no longer exists are left out (an index can
   * list an item for a moment after its deletion). Chunks of 100, retrying unprocessed keys.
   */
  async getMany(keys: readonly Key[], consistent = false): Promise<Item[]> {
    const found = new Map<string, Item>();
    const id = (k: Item) => JSON.stringify([k.pk, k.sk]);
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Key[] = keys.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        const res = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: consistent } } }));
        for (const item of res.Responses?.[this.tableName] ?? []) found.set(id(item), item);
        pending = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
        if (pending.length && attempt > 8) throw new Error(`DynamoDB left ${pending.length} keys unprocessed after retries`);
        if (pending.length) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
    return keys.flatMap((k): Item[] => {
      const item = found.get(id(k as unknown as Item));
      return item ? [item] : [];
    });
  }

  /** Every item of a query, following pagination. */
  async queryAll(options: Omit<QueryOptions, 'startKey' | 'limit'>): Promise<Item[]> {
    const out: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.query({ ...options, startKey });
      out.push(...page.items);
      startKey = page.lastKey;
    } while (startKey);
    return out;
  }
}

export function encodePageToken(key: Item | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

export function decodePageToken(token: string | undefined): Item | undefined {
  if (!token) return undefined;
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Item;
  } catch {
    return undefined;
  }
}

export const pad = (n: number): string => String(n).padStart(12, '0');
