import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** One YAML example of a documentation page: where it is, its text, and the prose just before it. */
export interface DocExample {
  /** `page.adoc:line` (line of the first YAML line), or the example file's path under `docs/`. */
  id: string;
  yaml: string;
  /** Up to 600 characters of the page's text before the example (what the page says about it). */
  context: string;
}

const SOURCE = /^\[(?:source)?,\s*ya?ml\b[^\]]*\]\s*$/;

/** Every `[source,yaml]` block of an AsciiDoc page (delimited by `----`). */
export function pageExamples(file: string): DocExample[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!SOURCE.test(lines[i].trim())) continue;
    let start = i + 1;
    while (start < lines.length && lines[start].trim() !== '----' && /^(\.|\[|$)/.test(lines[start].trim())) start++;
    if (lines[start]?.trim() !== '----') continue;
    let end = start + 1;
    while (end < lines.length && lines[end].trim() !== '----') end++;
    const context = lines
      .slice(Math.max(0, i - 12), i)
      .join('\n')
      .slice(-600);
    out.push({ id: `${path.basename(file)}:${start + 2}`, yaml: lines.slice(start + 1, end).join('\n') + '\n', context });
    i = end;
  }
  return out;
}

/** The example files kept beside the pages (`examples/**.yml`), included by them. */
export function exampleFiles(dir: string, base = dir): DocExample[] {
  const out: DocExample[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...exampleFiles(full, base));
    else if (/\.ya?ml$/.test(name)) out.push({ id: path.relative(base, full), yaml: readFileSync(full, 'utf8'), context: '' });
  }
  return out;
}
