/** Positions of parsed YAML values, kept beside the plain JS tree the parser produces. */

export interface Pos {
  line: number;
  column: number;
}

/** Where an object or array came from, with the positions of its keys and of its entries. */
export interface NodeInfo {
  pos: Pos;
  /** Position of each map key. */
  keys: Map<string, Pos>;
  /** Position of each entry's value (map key or array index). */
  items: Map<string | number, Pos>;
  /** Keys written more than once in this map (the later value wins). */
  duplicates?: string[];
}

/** Positions of every object and array of one parsed document (aliased nodes share their anchor's entry). */
export class SourceMap {
  private readonly table = new WeakMap<object, NodeInfo>();

  constructor(readonly file: string) {}

  set(node: object, info: NodeInfo): void {
    this.table.set(node, info);
  }

  info(node: unknown): NodeInfo | undefined {
    return node !== null && typeof node === 'object' ? this.table.get(node) : undefined;
  }

  /** The position of `node` itself, or of its entry `key` (key position when `onKey`). */
  at(node: unknown, key?: string | number, onKey = false): Pos | undefined {
    const info = this.info(node);
    if (!info) return undefined;
    if (key === undefined) return info.pos;
    return (onKey && typeof key === 'string' ? info.keys.get(key) : info.items.get(key)) ?? info.pos;
  }

  /** Copies the entry of `from` to `to` (for values rebuilt during expansion). */
  copy(from: unknown, to: object): void {
    const info = this.info(from);
    if (info) this.table.set(to, info);
  }
}
