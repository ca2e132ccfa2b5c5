/**
 * The single table's key schema, one definition for the CDK stack, the local emulator and the store adapters:
 * string keys `pk`/`sk`, and two global secondary indexes `gsi1`/`gsi2` keyed by `<index>pk`/`<index>sk`.
 *
 * The indexes project keys only. DynamoDB writes an index entry only when a write changes what the index holds,
 * so an update that leaves an item's index keys alone costs no index write (with the ALL projection every
 * update of an indexed item rewrote each index entry at the item's full size). A query of an index reads the
 * full items from the table by key (`DynamoTable.getMany`).
 */
export const TABLE_INDEXES = ['gsi1', 'gsi2'] as const;
export type TableIndex = (typeof TABLE_INDEXES)[number];

/** The projection of both indexes. */
export const INDEX_PROJECTION = 'KEYS_ONLY' as const;

/** The key attributes of an index. */
export const indexKeys = (index: TableIndex): { partition: string; sort: string } => ({ partition: `${index}pk`, sort: `${index}sk` });
