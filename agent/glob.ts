import { existsSync, readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

const META = /[*?[{]/;

function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (!m) return [pattern];
  return m[1].split(',').flatMap((alt) => expandBraces(pattern.slice(0, m.index) + alt + pattern.slice(m.index + m[0].length)));
}

/** A glob (`*`, `?`, `[...]`, `**`, no braces) as an anchored regular expression over `/`-separated paths. */
function toRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether `path` matches the glob `pattern` (`**`, `*`, `?`, `[...]`, `{a,b}`). */
export function globMatch(pattern: string, path: string): boolean {
  return expandBraces(pattern).some((p) => toRegex(p).test(path));
}

function walk(dir: string, rel: string, out: string[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    out.push(r);
    if (e.isDirectory()) walk(join(dir, e.name), r, out);
  }
}

/**
 * Paths under `cwd` matching the patterns (relative patterns give relative results, absolute ones absolute
 * results), sorted and without duplicates. A pattern without glob characters matches itself when it exists.
 */
export function glob(patterns: string[], cwd: string): string[] {
  const out = new Set<string>();
  for (const pattern of patterns.flatMap(expandBraces)) {
    const abs = pattern.startsWith('/');
    const segs = pattern.split('/');
    const fixed: string[] = [];
    while (segs.length > 1 && !META.test(segs[0])) fixed.push(segs.shift()!);
    const base = abs ? fixed.join('/') || '/' : join(cwd, ...fixed);
    const prefix = fixed.length ? `${fixed.join('/')}/` : abs ? '/' : '';
    const rest = segs.join('/');
    if (!META.test(rest)) {
      if (existsSync(join(base, rest))) out.add(prefix + rest);
      continue;
    }
    const re = toRegex(rest);
    const all: string[] = [];
    walk(base, '', all);
    for (const p of all) if (re.test(p)) out.add((prefix + p).replace(/^\/\//, '/'));
  }
  return [...out].sort();
}
