/**
 * DynamoDB capacity as the request counter measures it: each request asks for `ReturnConsumedCapacity: TOTAL`
 * and the units the table reports (by item size: 1 write unit per started 1 KB, 1 read unit per started 4 KB
 * strongly consistent, half that eventually consistent) are added up, per partition key for writes. The
 * table's global secondary indexes (projection ALL) are charged the same units again for each write whose item
 * carries that index's partition key; the index key is counted as a partition key of its own (`gsi1:<value>`).
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

type Json = Record<string, any>;

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
const INDEXES = ['gsi1', 'gsi2'];

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

/** The items one write request writes: its key, the item after the write (if known) and its share of the units. */
function writtenItems(operation: string, input: Json, output: Json | undefined): { key: Json; item?: Json }[] {
  if (operation === 'PutItem') return [{ key: input.Item ?? {}, item: input.Item }];
  if (operation === 'UpdateItem') return [{ key: input.Key ?? {}, item: output?.Attributes }];
  if (operation === 'DeleteItem') return [{ key: input.Key ?? {} }];
  const requests = Object.values<Json[]>(input.RequestItems ?? {}).flat();
  return requests.map((r) => (r.PutRequest ? { key: r.PutRequest.Item ?? {}, item: r.PutRequest.Item } : { key: r.DeleteRequest?.Key ?? {} }));
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
  for (const { key, item } of items) {
    const pk = str(key.pk);
    if (pk !== undefined) add(pk, each);
    for (const index of INDEXES) {
      const indexKey = str(item?.[`${index}pk`]);
      if (indexKey === undefined) continue;
      units.writeUnits += each;
      units.indexWriteUnits += each;
      add(`${index}:${indexKey}`, each);
    }
  }
}
