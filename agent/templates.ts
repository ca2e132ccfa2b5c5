import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { isAbsolute, join } from 'node:path';

export class CacheKeyTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheKeyTemplateError';
  }
}

export interface TemplateContext {
  /** The job environment (built-ins included): `.Branch`, `.Revision`, `.BuildNum`, `.Environment.X`. */
  env: Record<string, string>;
  /** Where relative `checksum` paths are resolved (the job's working directory). */
  workingDirectory: string;
  home: string;
  now?: () => Date;
}

/** CircleCI's `{{ arch }}`: OS and CPU architecture of the machine running the job. */
export function archTag(): string {
  const cpu = arch() === 'x64' ? 'amd64' : arch();
  return `arch1-${platform()}-${cpu}`;
}

/** Base64 SHA-256 of a file's contents (CircleCI's `{{ checksum "file" }}`). */
function checksum(file: string, ctx: TemplateContext): string {
  const path = file.startsWith('~/') ? join(ctx.home, file.slice(2)) : isAbsolute(file) ? file : join(ctx.workingDirectory, file);
  try {
    return createHash('sha256').update(readFileSync(path)).digest('base64');
  } catch (e) {
    throw new CacheKeyTemplateError(
      `{{ checksum "${file}" }}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Check the path relative to the working directory.`,
    );
  }
}

/**
 * Expands a cache key template: `{{ checksum "f" }}`, `{{ .Branch }}`, `{{ .Revision }}`, `{{ .BuildNum }}`,
 * `{{ .Environment.X }}`, `{{ epoch }}`, `{{ arch }}`. An unknown template is an error naming it.
 */
export function expandCacheKey(template: string, ctx: TemplateContext): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    const sum = /^checksum\s+"([^"]+)"$/.exec(expr);
    if (sum) return checksum(sum[1], ctx);
    const envVar = /^\.Environment\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
    if (envVar) return ctx.env[envVar[1]] ?? '';
    switch (expr) {
      case '.Branch':
        return ctx.env.CIRCLE_BRANCH ?? '';
      case '.Revision':
        return ctx.env.CIRCLE_SHA1 ?? '';
      case '.BuildNum':
        return ctx.env.CIRCLE_BUILD_NUM ?? '';
      case 'epoch':
        return String(Math.floor((ctx.now?.() ?? new Date()).getTime() / 1000));
      case 'arch':
        return archTag();
      default:
        throw new CacheKeyTemplateError(
          `Unknown cache key template {{ ${expr} }}. Use checksum "file", .Branch, .Revision, .BuildNum, .Environment.NAME, epoch or arch.`,
        );
    }
  });
}
