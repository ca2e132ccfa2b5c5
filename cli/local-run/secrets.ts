import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { ExportedSecrets } from '../../shared/services/projects/secret-export';
import { ApiClient } from '../api-client';
import { UsageError } from '../commands/event-options';

/** Secrets for a local run: project variables and context variables by context name (masked in job output). */
export interface LocalSecrets {
  env: Record<string, string>;
  contexts: Record<string, Record<string, string>>;
}

/** Loads the secrets of a run; `contextsNamed` compiles the run's config for the contexts its jobs name. */
export type SecretsLoader = (contextsNamed: () => Promise<string[]>) => Promise<LocalSecrets>;

const SLUG = /^(gh|github|bb|bitbucket|circleci)\/[^/\s]+\/[^/\s]+$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a dotenv file line by line (node's parser skips what it does not understand, silently): every line
 * is blank, a comment, or `[export ]NAME=value`, a quoted value may span lines. Throws naming the line.
 */
function checkDotenv(text: string, file: string): void {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new UsageError(`--secrets-from ${file}:${i + 1}: expected NAME=value, got "${line.slice(0, 40)}".`);
    if (!NAME.test(m[1]))
      throw new UsageError(`--secrets-from ${file}:${i + 1}: "${m[1]}" is not a valid variable name (letters, digits and _, not starting with a digit).`);
    const quote = /^["'`]/.exec(m[2])?.[0];
    if (!quote || m[2].slice(1).includes(quote)) continue;
    const end = lines.findIndex((l, j) => j > i && l.includes(quote));
    if (end < 0) throw new UsageError(`--secrets-from ${file}:${i + 1}: the value of ${m[1]} opens a ${quote} quote that is never closed.`);
    i = end;
  }
}

/** Project variables from a dotenv file; unreadable or malformed files are usage errors naming the file and line. */
export function readSecretsFile(file: string): Record<string, string> {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new Error('it is a folder, not a file');
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `--secrets-from ${file}: cannot read it (${(e as Error).message}). Give a dotenv file (NAME=value lines) or a project slug on a Slipway server (gh/<org>/<repo>).`,
    );
  }
  checkDotenv(text, file);
  const env = Object.fromEntries(Object.entries(parseEnv(text)).filter((e): e is [string, string] => e[1] !== undefined));
  if (!Object.keys(env).length) throw new UsageError(`--secrets-from ${file}: the file holds no variables (NAME=value lines).`);
  return env;
}

/** The project's variables and the named contexts' variables from a Slipway server (organisation admins only). */
export async function fetchServerSecrets(api: ApiClient, slug: string, contexts: string[]): Promise<LocalSecrets> {
  const query = contexts.length ? `?contexts=${encodeURIComponent(contexts.join(','))}` : '';
  const exported = await api.request<ExportedSecrets>('GET', `/api/v2/project/${slug}/secrets${query}`);
  return {
    env: Object.fromEntries(exported.environment.map((v) => [v.name, v.value])),
    contexts: Object.fromEntries(exported.contexts.map((c) => [c.name, Object.fromEntries(c.variables.map((v) => [v.name, v.value]))])),
  };
}

/**
 * `--secrets-from` sources, in order (later ones win): a dotenv file, or a project slug on a Slipway server
 * (`SLIPWAY_URL`, `SLIPWAY_TOKEN`) whose variables and contexts the run's jobs name are fetched.
 */
export function secretsLoader(sources: string[], env: NodeJS.ProcessEnv = process.env): SecretsLoader | undefined {
  if (!sources.length) return undefined;
  const parsed = sources.map((s) => {
    if (SLUG.test(s) && !existsSync(s)) return { slug: s.replace(/^github\//, 'gh/').replace(/^bitbucket\//, 'bb/') };
    return { file: readSecretsFile(s) };
  });
  return async (contextsNamed) => {
    const out: LocalSecrets = { env: {}, contexts: {} };
    for (const p of parsed) {
      const got = p.file ? { env: p.file, contexts: {} } : await fetchServerSecrets(ApiClient.fromEnv(env), p.slug!, await contextsNamed());
      Object.assign(out.env, got.env);
      for (const [name, vars] of Object.entries(got.contexts)) out.contexts[name] = { ...out.contexts[name], ...vars };
    }
    return out;
  };
}
