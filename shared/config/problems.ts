import type { ConfigProblem, SourcePosition } from './plan';
import type { Pos, SourceMap } from './source-map';

/** Problem codes that callers may act on (e.g. a registry orb the resolver does not have). */
export type ProblemCode = 'orb-not-found' | 'limit' | 'yaml' | 'schema' | 'semantic';

/** Thrown to stop compilation at once (hostile input, unrecoverable structure); carries its problems. */
export class ConfigCompileError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
    this.name = 'ConfigCompileError';
  }
}

/** Collects positioned problems for one compilation. */
export class Problems {
  readonly list: ConfigProblem[] = [];
  private readonly extra: SourceMap[] = [];

  constructor(readonly map: SourceMap) {}

  /** Registers the source map of another document (an orb), so its nodes are located in that file. */
  addMap(map: SourceMap): void {
    this.extra.push(map);
  }

  /** The source position of a node (or of its entry `key`), in whichever document it came from. */
  position(node: unknown, key?: string | number): SourcePosition | undefined {
    const found = this.locate(node, key);
    return found ? { file: found.file, line: found.pos.line, column: found.pos.column } : undefined;
  }

  private locate(node: unknown, key?: string | number, onKey?: boolean): { file: string; pos: Pos } | undefined {
    for (const m of [this.map, ...this.extra]) {
      const pos = m.at(node, key, onKey);
      if (pos) return { file: m.file, pos };
    }
    return undefined;
  }

  get file(): string {
    return this.map.file;
  }

  /** Records a problem at `pos` (or at the position of `node`/`key` in the source map). */
  add(
    message: string,
    where: { pos?: Pos; node?: unknown; key?: string | number; onKey?: boolean; path?: string; hint?: string; code?: ProblemCode } = {},
  ): void {
    const found = where.pos ? { file: this.map.file, pos: where.pos } : this.locate(where.node, where.key, where.onKey);
    const pos = found?.pos ?? { line: 1, column: 1 };
    const problem: ConfigProblem = { message, file: found?.file ?? this.map.file, line: pos.line, column: pos.column };
    if (where.path) problem.path = where.path;
    if (where.hint) problem.hint = where.hint;
    if (where.code) problem.code = where.code;
    if (!this.list.some((p) => p.message === message && p.line === pos.line && p.column === pos.column)) this.list.push(problem);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

/** Formats problems as `file:line:column: message (hint)`, one per line. */
export function formatProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`).join('\n');
}
