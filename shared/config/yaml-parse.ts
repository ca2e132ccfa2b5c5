import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node, type Scalar } from 'yaml';
import { ConfigCompileError } from './problems';
import { circleciYamlSchema, YamlFloat } from './yaml-scalars';
import { SourceMap, type NodeInfo, type Pos } from './source-map';
import type { ConfigProblem } from './plan';

/** Bounds against hostile input; each one is reported as a positioned error, never a hang or a crash. */
export interface ParseLimits {
  /** Largest accepted document, in bytes (default 3 MiB). */
  maxBytes: number;
  /** Deepest nesting of maps and sequences (default 100). */
  maxDepth: number;
  /** Most values the document may stand for once every alias is expanded (default 500,000). */
  maxExpandedNodes: number;
}

export const defaultParseLimits: ParseLimits = { maxBytes: 3 * 1024 * 1024, maxDepth: 100, maxExpandedNodes: 500_000 };

export interface ParsedYaml {
  value: unknown;
  map: SourceMap;
}

interface Walk {
  lc: LineCounter;
  map: SourceMap;
  limits: ParseLimits;
  anchors: Map<string, unknown>;
  /** Expanded size (values counted with aliases unfolded) of each converted object. */
  sizes: WeakMap<object, number>;
  total: number;
  /** The document ends without a line break (a block scalar ending there has no final line break either). */
  endsWithoutBreak: number | undefined;
}

const fail = (file: string, pos: Pos, message: string, hint?: string, code: ConfigProblem['code'] = 'yaml'): never => {
  throw new ConfigCompileError([{ message, file, line: pos.line, column: pos.column, code, ...(hint ? { hint } : {}) }]);
};

const posAt = (lc: LineCounter, offset: number | undefined): Pos => {
  const p = lc.linePos(offset ?? 0);
  return { line: p.line, column: p.col };
};

const scalarValue = (node: Scalar): unknown => (typeof node.value === 'symbol' ? String(node.source ?? '') : node.value);

const sizeOf = (w: Walk, v: unknown): number => (v !== null && typeof v === 'object' ? (w.sizes.get(v) ?? 1) : 1);

const count = (w: Walk, n: number, at: Pos): void => {
  w.total += n;
  if (w.total > w.limits.maxExpandedNodes) {
    fail(
      w.map.file,
      at,
      `The document expands to more than ${w.limits.maxExpandedNodes} values through aliases (limit maxExpandedNodes = ${w.limits.maxExpandedNodes}).`,
      'Reduce the use of aliases that refer to other aliases.',
      'limit',
    );
  }
};

const keyString = (w: Walk, key: unknown): string => {
  if (isScalar(key)) {
    // Keys keep their spelling: `on:`, `null:` or `1_0:` name a key, they are not a boolean, a null or a number.
    return key.source !== undefined ? String(key.source) : String(scalarValue(key));
  }
  const p = posAt(w.lc, (key as Node | null)?.range?.[0]);
  return fail(w.map.file, p, 'Map keys must be plain values.', 'Quote the key or use a scalar.');
};

function convert(w: Walk, node: unknown, depth: number): unknown {
  if (node === null || node === undefined) return null;
  const n = node as Node;
  const pos = posAt(w.lc, n.range?.[0]);
  if (depth > w.limits.maxDepth)
    fail(w.map.file, pos, `Nesting is deeper than ${w.limits.maxDepth} levels (limit maxDepth = ${w.limits.maxDepth}).`, 'Flatten the document.', 'limit');
  let out: unknown;
  if (isAlias(n)) {
    const name = (n as Alias).source;
    if (!w.anchors.has(name)) fail(w.map.file, pos, `Unknown alias *${name}.`, `Define the anchor &${name} before using it.`);
    out = w.anchors.get(name);
    count(w, sizeOf(w, out), pos);
    return out;
  }
  if (isScalar(n)) {
    count(w, 1, pos);
    out = scalarValue(n);
    // `|` or `>` running to the end of a document that has no final line break: the value has none either.
    if (typeof out === 'string' && n.range?.[1] === w.endsWithoutBreak && (n.type === 'BLOCK_LITERAL' || n.type === 'BLOCK_FOLDED') && out.endsWith('\n'))
      out = out.slice(0, -1);
  } else if (isMap(n)) {
    out = convertMap(w, n.items, pos, depth);
  } else if (isSeq(n)) {
    const arr: unknown[] = [];
    const info: NodeInfo = { pos, keys: new Map(), items: new Map() };
    let size = 1;
    count(w, 1, pos);
    n.items.forEach((item, i) => {
      const v = convert(w, item, depth + 1);
      arr.push(v);
      size += sizeOf(w, v);
      info.items.set(i, posAt(w.lc, (item as Node | null)?.range?.[0] ?? n.range?.[0]));
    });
    w.map.set(arr, info);
    w.sizes.set(arr, size);
    out = arr;
  } else {
    out = null;
  }
  if (n.anchor) w.anchors.set(n.anchor, out);
  return out;
}

function convertMap(w: Walk, items: unknown[], pos: Pos, depth: number): Record<string, unknown> {
  const explicit: Record<string, unknown> = {};
  const info: NodeInfo = { pos, keys: new Map(), items: new Map() };
  const merged: Array<Record<string, unknown>> = [];
  let size = 1;
  count(w, 1, pos);
  for (const pair of items) {
    if (!isPair(pair)) continue;
    const keyNode = pair.key as Node | null;
    const keyPos = posAt(w.lc, keyNode?.range?.[0] ?? undefined);
    const valueNode = pair.value as Node | null;
    const valuePos = valueNode?.range ? posAt(w.lc, valueNode.range[0]) : keyPos;
    if (isScalar(keyNode) && keyNode.source === '<<' && keyNode.type === 'PLAIN') {
      const v = convert(w, valueNode, depth + 1);
      const sources = Array.isArray(v) ? v : [v];
      for (const s of sources) {
        if (s === null || typeof s !== 'object' || Array.isArray(s) || s instanceof YamlFloat)
          fail(w.map.file, valuePos, 'A merge key (<<) must refer to a map or a list of maps.', 'Use `<<: *anchor` where the anchor names a map.');
        merged.push(s as Record<string, unknown>);
      }
      continue;
    }
    const key = keyString(w, keyNode);
    const v = convert(w, valueNode, depth + 1);
    if (key in explicit) (info.duplicates ??= []).push(key);
    delete explicit[key];
    explicit[key] = v;
    size += sizeOf(w, v);
    info.keys.set(key, keyPos);
    info.items.set(key, valuePos);
  }
  if (merged.length === 0) {
    w.map.set(explicit, info);
    w.sizes.set(explicit, size);
    return explicit;
  }
  const out: Record<string, unknown> = {};
  for (const src of merged) {
    const srcInfo = w.map.info(src);
    for (const [k, v] of Object.entries(src)) {
      if (k in out || k in explicit) continue;
      out[k] = v;
      size += sizeOf(w, v);
      info.keys.set(k, srcInfo?.keys.get(k) ?? pos);
      info.items.set(k, srcInfo?.items.get(k) ?? pos);
    }
  }
  Object.assign(out, explicit);
  w.map.set(out, info);
  w.sizes.set(out, size);
  return out;
}

/**
 * Parses YAML as CircleCI reads it: YAML 1.1 scalars as the table in yaml-scalars.ts says, merge keys, anchors where a later
 * duplicate anchor wins, duplicate keys where the later wins. Returns plain JS values and their positions.
 * Throws only {@link ConfigCompileError}, with positioned problems.
 */
export function parseYaml(source: string, file: string, limits: Partial<ParseLimits> = {}): ParsedYaml {
  const lim = { ...defaultParseLimits, ...limits };
  const map = new SourceMap(file);
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > lim.maxBytes)
    fail(
      file,
      { line: 1, column: 1 },
      `The config is ${bytes} bytes, more than ${lim.maxBytes} (limit maxBytes = ${lim.maxBytes}).`,
      'Split the config or remove unused parts.',
      'limit',
    );
  const flowDepth = maxFlowDepth(source, lim.maxDepth);
  if (flowDepth.depth > lim.maxDepth)
    fail(
      file,
      posOfOffset(source, flowDepth.offset),
      `Nesting is deeper than ${lim.maxDepth} levels (limit maxDepth = ${lim.maxDepth}).`,
      'Flatten the document.',
      'limit',
    );
  const lc = new LineCounter();
  let doc;
  try {
    doc = parseDocument(source, {
      ...circleciYamlSchema,
      lineCounter: lc,
      uniqueKeys: false,
      merge: false,
      prettyErrors: false,
      strict: false,
      stringKeys: false,
    });
  } catch (err) {
    return fail(
      file,
      { line: 1, column: 1 },
      `The config could not be parsed: ${err instanceof RangeError ? 'it is nested too deeply' : String(err)}.`,
      'Check the YAML syntax.',
      err instanceof RangeError ? 'limit' : 'yaml',
    );
  }
  const first = doc.errors[0];
  if (first) {
    const p = posAt(lc, first.pos[0]);
    fail(file, p, `Invalid YAML: ${first.message.split('\n')[0]}`, 'Check indentation, quoting and that every `key: value` has a space after the colon.');
  }
  const endsWithoutBreak = /[\n\r]$/.test(source) ? undefined : source.length;
  const w: Walk = { lc, map, limits: lim, anchors: new Map(), sizes: new WeakMap(), total: 0, endsWithoutBreak };
  try {
    return { value: convert(w, doc.contents, 0), map };
  } catch (err) {
    if (err instanceof ConfigCompileError) throw err;
    return fail(
      file,
      { line: 1, column: 1 },
      `The config could not be read: ${err instanceof RangeError ? 'it is nested too deeply' : String(err)}.`,
      'Flatten the document.',
      'limit',
    );
  }
}

/** Deepest run of unclosed flow brackets (a cheap guard before the parser recurses into them). */
function maxFlowDepth(source: string, limit: number): { depth: number; offset: number } {
  let depth = 0;
  let max = 0;
  let offset = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 91 || c === 123) {
      depth++;
      if (depth > max) {
        max = depth;
        offset = i;
        if (max > limit) break;
      }
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return { depth: max, offset };
}

function posOfOffset(source: string, offset: number): Pos {
  let line = 1;
  let start = 0;
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
