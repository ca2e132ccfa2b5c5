import type { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigPackError, packConfigDir } from '../../shared/config/config-pack';
import type { PlanEvent } from '../../shared/config/explain-plan';

const EVENTS = ['push', 'pull_request', 'tag', 'api', 'schedule'] as const;

export interface EventOptions {
  branch?: string;
  tag?: string;
  event?: string;
  param?: string[];
}

/** Thrown for bad command-line input; the CLI prints its message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The options that describe an event, shared by `plan` and `run`. */
export function addEventOptions(cmd: Command): Command {
  return cmd
    .option('--branch <branch>', 'branch pushed (default: the current branch)')
    .option('--tag <tag>', 'tag pushed (instead of a branch)')
    .option('--event <event>', `what triggers the pipeline: ${EVENTS.join(', ')}`, 'push')
    .option('--param <key=value>', 'pipeline parameter (repeatable); values are read as JSON when they parse, else as text', collect);
}

/** `k=v` → `{k: v}`; `true`, `3`, `"x"` are typed like JSON, anything else is text. */
export function parseParams(list: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${item}: write --param name=value, e.g. --param deploy=true.`);
    const raw = item.slice(eq + 1);
    let value: unknown = raw;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (['string', 'number', 'boolean'].includes(typeof parsed)) value = parsed;
    } catch {
      // text
    }
    out[item.slice(0, eq)] = value;
  }
  return out;
}

/** Runs git in `dir`; undefined when it fails (not a repository, no commits, ...). */
export function gitOutput(dir: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The event described by the options, with the repository's current branch and revision as defaults. */
export function readEvent(opts: EventOptions, dir: string): PlanEvent {
  if (opts.event !== undefined && !(EVENTS as readonly string[]).includes(opts.event))
    throw new UsageError(`--event ${opts.event}: use one of ${EVENTS.join(', ')}.`);
  if (opts.branch && opts.tag) throw new UsageError('Give --branch or --tag, not both.');
  if (opts.event === 'tag' && !opts.tag) throw new UsageError('--event tag needs --tag <name>.');
  const event: PlanEvent = { event: (opts.event ?? 'push') as PlanEvent['event'], parameters: parseParams(opts.param) };
  if (opts.tag) event.tag = opts.tag;
  else event.branch = opts.branch ?? gitOutput(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']) ?? 'main';
  const revision = gitOutput(dir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  if (revision) event.revision = revision;
  const remote = gitOutput(dir, ['remote', 'get-url', 'origin']);
  if (remote) event.gitUrl = remote;
  return event;
}

/** Paths changed against `base` (merge base with HEAD), uncommitted and untracked files included. */
export function changedPaths(dir: string, base: string): string[] {
  const mergeBase = gitOutput(dir, ['merge-base', base, 'HEAD']);
  const diff = mergeBase ? (gitOutput(dir, ['diff', '--name-only', mergeBase]) ?? '') : '';
  const untracked = gitOutput(dir, ['ls-files', '--others', '--exclude-standard']) ?? '';
  return [...new Set(`${diff}\n${untracked}`.split('\n').filter(Boolean))];
}

/**
 * The repository's config: `.circleci/config.yml` (or `.yaml`), else a `.circleci/config/` folder packed as
 * `circleci config pack` packs it (`folder` then names it, relative to `dir`).
 */
export function findConfig(dir: string, explicit?: string): { path: string; name: string; source: string; folder?: string } {
  const candidates = explicit ? [explicit] : [join(dir, '.circleci', 'config.yml'), join(dir, '.circleci', 'config.yaml')];
  for (const path of candidates) {
    if (existsSync(path) && statSync(path).isFile()) return { path, name: relative(dir, path) || path, source: readFileSync(path, 'utf8') };
  }
  const folder = explicit ?? join(dir, '.circleci', 'config');
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    const name = relative(dir, folder) || folder;
    try {
      return { path: folder, name, source: packConfigDir(folder).yaml, folder: name };
    } catch (e) {
      if (e instanceof ConfigPackError) throw new UsageError(`Cannot pack the config folder ${name}: ${e.message}`);
      throw e;
    }
  }
  throw new UsageError(
    explicit
      ? `No config file or folder at ${explicit}.`
      : `No .circleci/config.yml (or .circleci/config/ folder) in ${dir}. Run this in a repository with a CircleCI config, or pass --config <file>.`,
  );
}
