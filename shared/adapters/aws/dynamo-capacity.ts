/**
 * DynamoDB capacity as the request counter measures it: each request asks for `ReturnConsumedCapacity: TOTAL`
 * and the units the table reports (by item size: 1 write unit per started 1 KB, 1 read unit per started 4 KB
 * strongly consistent, half that eventually consistent) are added up, per partition key for writes.
 *
 * The table's global secondary indexes project keys only (`shared/model/table-schema.ts`), so DynamoDB writes an
 * index entry (one unit: keys alone stay far below 1 KB) only when a write changes what the index holds: a put
 * of an item carrying the index's partition key (counted as a new entry; a put that replaces an item with the
 * same index keys writes nothing, so this is the worst case), and an update that sets or removes one of the
 * index's key attributes (one unit; the store never moves an item from one index key to another, which would be
 * a delete and a put). An update that leaves the index keys alone writes no index entry. The emulator reports
 * table units only, so these are added here; the index key is counted as a partition key of its own
 * (`gsi1:<value>`). Deletes are counted without their index entries (the request does not say which it had).
 */

/** Units and requests of one partition key. */
export interface KeyWrites {
  requests: number;
  units: number;
}

export interface DynamoUnits {
  readUnits: number;
  writeUnits: number;
  /** Of `writeUnits`, those charged for global secondary index updates. */
  indexWriteUnits: number;
}

import { TABLE_INDEXES, indexKeys } from '../../model/table-schema';

type Json = Record<string, any>;

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);

/** A string attribute, document-client (`'x'`) or low-level (`{ S: 'x' }`). */
function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).S === 'string') return (value as Json).S;
  return undefined;
}

/** The input with `ReturnConsumedCapacity: TOTAL`, unless the operation is not a table read or write. */
export function askForCapacity(operation: string, input: Json): Json {
  if (!WRITES.has(operation) && !READS.has(operation)) return input;
  return input.ReturnConsumedCapacity ? input : { ...input, ReturnConsumedCapacity: 'TOTAL' };
}

function consumed(output: Json | undefined): number | undefined {
  const c = output?.ConsumedCapacity;
  if (c === undefined) return undefined;
  return [c].flat().reduce((n: number, x: Json) => n + Number(x?.CapacityUnits ?? 0), 0);
}

/** One item a write request writes: its key, and the index partition keys whose entries the write changes. */
interface Written {
  key: Json;
  /** Index name → the partition key value of the entry written (or removed). */
  indexWrites: [string, string][];
}

/** The index entries a put writes: one for each index whose partition key the item carries. */
function putIndexWrites(item: Json | undefined): [string, string][] {
  return TABLE_INDEXES.flatMap((n) => {
    const value = str(item?.[indexKeys(n).partition]);
    return value === undefined ? [] : [[n, value] as [string, string]];
  });
}

/** The index entries an update writes: one for each index whose key attributes the update expression names. */
function updateIndexWrites(input: Json, output: Json | undefined): [string, string][] {
  const named = new Set(Object.values<string>(input.ExpressionAttributeNames ?? {}));
  return TABLE_INDEXES.flatMap((n) => {
    const { partition, sort } = indexKeys(n);
    if (!named.has(partition) && !named.has(sort)) return [];
    return [[n, str(output?.Attributes?.[partition]) ?? '(removed)'] as [string, string]];
  });
}

function writtenItems(operation: string, input: Json, output: Json | undefined): Written[] {
  if (operation === 'PutItem') return [{ key: input.Item ?? {}, indexWrites: putIndexWrites(input.Item) }];
  if (operation === 'UpdateItem') return [{ key: input.Key ?? {}, indexWrites: output ? updateIndexWrites(input, output) : [] }];
  if (operation === 'DeleteItem') return [{ key: input.Key ?? {}, indexWrites: [] }];
  const requests = Object.values<Json[]>(input.RequestItems ?? {}).flat();
  return requests.map((r) =>
    r.PutRequest ? { key: r.PutRequest.Item ?? {}, indexWrites: putIndexWrites(r.PutRequest.Item) } : { key: r.DeleteRequest?.Key ?? {}, indexWrites: [] },
  );
}

/**
 * Counts one DynamoDB request: adds its measured units to `units` and, for writes, each written item's units to
 * its partition key (and index keys) in `byKey`. A request that failed (e.g. a failed condition) reports no
 * capacity; DynamoDB still bills it, at least one unit per item, which is what is counted.
 */
export function countCapacity(operation: string, input: Json, output: Json | undefined, units: DynamoUnits, byKey: Map<string, KeyWrites>): void {
  const measured = consumed(output);
  if (READS.has(operation)) {
    units.readUnits += measured ?? 1;
    return;
  }
  if (!WRITES.has(operation)) return;
  const items = writtenItems(operation, input, output);
  const tableUnits = measured ?? items.length;
  const each = items.length ? tableUnits / items.length : 0;
  units.writeUnits += tableUnits;
  const add = (key: string, n: number) => {
    const k = byKey.get(key) ?? { requests: 0, units: 0 };
    k.requests += 1;
    k.units += n;
    byKey.set(key, k);
  };
  for (const { key, indexWrites } of items) {
    const pk = str(key.pk);
    if (pk !== undefined) add(pk, each);
    for (const [index, indexKey] of indexWrites) {
      units.writeUnits += 1;
      units.indexWriteUnits += 1;
      add(`${index}:${indexKey}`, 1);
    }
  }
}
