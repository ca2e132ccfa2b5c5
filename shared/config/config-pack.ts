import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigCompileError } from './problems';
import { parseYaml } from './yaml-parse';
import { stringifyYaml } from './yaml-scalars';

/** One entry of a config folder: a file with its text, or a folder (given so empty folders count). */
export interface PackEntry {
  /** Path relative to the packed folder, `/`-separated, e.g. `jobs/build.yml`. */
  path: string;
  /** The file's text; absent for a folder. */
  text?: string;
}

export interface PackedConfig {
  /** The packed document as plain values. */
  value: Record<string, unknown>;
  /** The packed document as YAML, quoted so a YAML 1.1 reader gets back the same values. */
  yaml: string;
}

/** Thrown when a config folder cannot be packed; the message names the file and says how to fix it. */
export class ConfigPackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigPackError';
  }
}

interface TreeNode {
  name: string;
  path: string;
  text?: string;
  children: Map<string, TreeNode>;
}

const YAML_FILE = /.+\.(yml|yaml)$/;
const AT_FILE = /^@.*\.(yml|yaml)$/;
/** Most files and folders one pack may read; a config folder is far smaller. */
const MAX_ENTRIES = 10_000;

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const stem = (name: string): string => (name.lastIndexOf('.') > 0 ? name.slice(0, name.lastIndexOf('.')) : name);
const merge = (...maps: unknown[]): Record<string, unknown> => Object.assign({}, ...maps.filter(isMap));

/** True when `config pack` reads the entry: no dot-named folder or file on its path, and files end in .yml/.yaml. */
function packed(entry: PackEntry): boolean {
  const parts = entry.path.split('/');
  if (parts.some((p) => p.startsWith('.') && p.length > 1)) return false;
  return entry.text === undefined || YAML_FILE.test(parts[parts.length - 1]);
}

function buildTree(entries: PackEntry[]): TreeNode {
  const root: TreeNode = { name: '', path: '', children: new Map() };
  for (const entry of entries) {
    const parts = entry.path.split('/').filter((p) => p && p !== '.');
    if (parts.some((p) => p === '..')) throw new ConfigPackError(`${entry.path}: paths inside a config folder may not contain "..".`);
    if (!packed(entry)) continue;
    let node = root;
    parts.forEach((part, i) => {
      let child = node.children.get(part);
      if (!child) {
        child = { name: part, path: parts.slice(0, i + 1).join('/'), children: new Map() };
        node.children.set(part, child);
      }
      if (i === parts.length - 1 && entry.text !== undefined) child.text = entry.text;
      node = child;
    });
  }
  return root;
}

function readFile(node: TreeNode): unknown {
  try {
    return parseYaml(node.text ?? '', node.path).value;
  } catch (err) {
    if (!(err instanceof ConfigCompileError)) throw err;
    const p = err.problems[0];
    throw new ConfigPackError(`${node.path}:${p.line}:${p.column}: ${p.message}`, { cause: err });
  }
}

function marshal(node: TreeNode, isRoot: boolean): unknown {
  if (node.children.size === 0) return node.text === undefined ? null : readFile(node);
  let tree: Record<string, unknown> = {};
  const names = [...node.children.keys()].sort();
  for (const name of names) {
    const child = node.children.get(name) as TreeNode;
    const content = marshal(child, false);
    if (content !== null && !isMap(content)) {
      throw new ConfigPackError(
        `${child.path}: expected a map, got ${Array.isArray(content) ? 'a list' : `the ${typeof content} ${JSON.stringify(content)}`}. Each file must hold a YAML map; its content goes under the key named after the file.`,
      );
    }
    const isFile = child.text !== undefined;
    if (isFile && isRoot) tree = merge(tree, content);
    else if (isFile && AT_FILE.test(child.name)) tree = merge(tree, tree[stem(node.name)], content);
    else tree[stem(child.name)] = merge(tree[stem(child.name)], content);
  }
  return tree;
}

/**
 * Packs a config folder's entries as `circleci config pack` does (FYAML): each folder and each `.yml`/`.yaml`
 * file becomes a key named after it (the extension dropped) holding the file's map; files directly in the folder
 * and `@`-named files (`@config.yml`) merge into their folder's own level instead. Siblings are taken in name
 * order and merged shallowly (a later key wins). Dot-named files and folders and non-YAML files are left out.
 * Files are read as the compiler reads a config (YAML 1.1 scalars, merge keys, the same limits).
 */
export function packConfigFiles(entries: PackEntry[]): PackedConfig {
  if (entries.length > MAX_ENTRIES) throw new ConfigPackError(`The config folder has ${entries.length} entries; at most ${MAX_ENTRIES} can be packed.`);
  const root = buildTree(entries);
  if (
    ![...root.children.values()].some(function hasFile(n: TreeNode): boolean {
      return n.text !== undefined || [...n.children.values()].some(hasFile);
    })
  ) {
    throw new ConfigPackError('The config folder holds no .yml or .yaml file. Put the config in files such as @config.yml, jobs/build.yml.');
  }
  const value = marshal(root, true) as Record<string, unknown>;
  return { value, yaml: stringifyYaml(value) };
}

function walk(dir: string, rel: string, out: PackEntry[]): void {
  for (const name of readdirSync(dir)) {
    if (out.length > MAX_ENTRIES) return;
    const full = path.join(dir, name);
    const relPath = rel ? `${rel}/${name}` : name;
    const stat = statSync(full);
    if (stat.isDirectory()) {
      if (name.startsWith('.')) continue;
      out.push({ path: relPath });
      walk(full, relPath, out);
    } else if (stat.isFile() && YAML_FILE.test(name) && !name.startsWith('.')) {
      out.push({ path: relPath, text: readFileSync(full, 'utf8') });
    }
  }
}

/** Reads a config folder from disk and packs it with {@link packConfigFiles}. */
export function packConfigDir(dir: string): PackedConfig {
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    throw new ConfigPackError(`${dir} does not exist. Give the folder that holds the config files, e.g. .circleci/config.`);
  }
  if (!stat.isDirectory()) throw new ConfigPackError(`${dir} is not a folder. Give the folder that holds the config files, e.g. .circleci/config.`);
  const entries: PackEntry[] = [];
  walk(dir, '', entries);
  return packConfigFiles(entries);
}
