import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { Item } from './dynamo-table';

/*
 * Large, rarely queried attributes stored compressed (DynamoDB's advice for large values: write and read units
 * go by item size, and every update of an item costs the units of its whole size). A job's plan, its tasks'
 * step results and a pipeline's config and plan are JSON written as a Brotli binary attribute named with a `Z`
 * suffix (`plan` → `planZ`); readers get the value back under its own name. Items written before hold the plain
 * attribute, which is still read; when both are there the packed one is the newer.
 */

/** The suffix of a packed attribute's name. */
const SUFFIX = 'Z';

/** JSON as Brotli (text mode, quality 5: a few KB compress in well under a millisecond). */
export function pack(value: unknown): Uint8Array {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  return brotliCompressSync(json, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: 5,
      [constants.BROTLI_PARAM_SIZE_HINT]: json.length,
    },
  });
}

export function unpack<T>(bytes: Uint8Array): T {
  return JSON.parse(brotliDecompressSync(bytes).toString('utf8')) as T;
}

/**
 * Attributes `fields` of `values` as they are stored: each present one packed under its `Z` name; a field set to
 * `undefined` (an update's REMOVE) removes both names. Fields not named pass through.
 */
export function packFields(values: Item, fields: readonly string[]): Item {
  const out: Item = { ...values };
  for (const f of fields) {
    if (!(f in values)) continue;
    const v = values[f];
    if (v === undefined) {
      out[f + SUFFIX] = undefined;
      continue;
    }
    delete out[f];
    out[f + SUFFIX] = pack(v);
  }
  return out;
}

/** The inverse of `packFields` on a stored item: each `Z` attribute of `fields` read back under its own name. */
export function unpackFields(item: Item, fields: readonly string[]): Item {
  const out: Item = { ...item };
  for (const f of fields) {
    const packed = item[f + SUFFIX];
    delete out[f + SUFFIX];
    if (packed instanceof Uint8Array) out[f] = unpack(packed);
  }
  return out;
}

/** A job's packed attributes, and those of each of its tasks. */
export const JOB_PACKED = ['plan'] as const;
export const TASK_PACKED = ['steps'] as const;
/** A pipeline's packed attributes. */
export const PIPELINE_PACKED = ['configSource', 'setupConfigSource', 'plan'] as const;

/** A job item's attributes as stored: the plan packed, and each task's steps. */
export function packJob(item: Item): Item {
  const out = packFields(item, JOB_PACKED);
  if (Array.isArray(item.tasks)) out.tasks = (item.tasks as Item[]).map((t) => packFields(t, TASK_PACKED));
  return out;
}

/** A stored job item as the entity reads it. */
export function unpackJob(item: Item | undefined): Item | undefined {
  if (!item) return undefined;
  const out = unpackFields(item, JOB_PACKED);
  if (Array.isArray(item.tasks)) out.tasks = (item.tasks as Item[]).map((t) => unpackFields(t, TASK_PACKED));
  return out;
}
