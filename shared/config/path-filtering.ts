import { parse } from 'yaml';

/**
 * CircleCI's path-filtering orb (`circleci/path-filtering`): a setup workflow maps changed paths to pipeline
 * parameters (`mapping`, one `<regex> <parameter> <value> [<config>]` per line) and continues with
 * `config-path`. This reads those settings from a setup config so a plan can follow the continuation
 * without running the setup job.
 */
export interface PathFilter {
  /** The config the setup continues with (orb default `.circleci/continue_config.yml`). */
  configPath: string;
  /** The branch changes are compared with (orb default `main`). */
  baseRevision: string;
  mapping: Array<{ pattern: string; parameter: string; value: unknown; config?: string }>;
}

export class PathFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathFilterError';
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parses one `mapping` text; a line is `<regex> <parameter> <JSON value> [<config file>]`, `#` starts a comment. */
export function parseMapping(text: string): PathFilter['mapping'] {
  const out: PathFilter['mapping'] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    if (parts.length < 3)
      throw new PathFilterError(`path-filtering mapping line ${i + 1} ("${line}") needs "<regex> <parameter> <value>", e.g. "src/.* build-src true".`);
    let value: unknown;
    try {
      value = JSON.parse(parts[2]);
    } catch {
      value = parts[2];
    }
    out.push({ pattern: parts[0], parameter: parts[1], value, ...(parts[3] ? { config: parts[3] } : {}) });
  });
  return out;
}

/** Finds the path-filtering `filter` job of a setup config (undefined when it uses none). */
export function findPathFilter(source: string): PathFilter | undefined {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch {
    return undefined;
  }
  if (!isMap(doc) || !isMap(doc.orbs) || !isMap(doc.workflows)) return undefined;
  const aliases = Object.entries(doc.orbs)
    .filter(([, ref]) => typeof ref === 'string' && /^circleci\/path-filtering@/.test(ref))
    .map(([alias]) => alias);
  for (const wf of Object.values(doc.workflows)) {
    for (const entry of isMap(wf) && Array.isArray(wf.jobs) ? wf.jobs : []) {
      const key = typeof entry === 'string' ? entry : isMap(entry) ? Object.keys(entry)[0] : undefined;
      if (!key || !aliases.some((a) => key === `${a}/filter`)) continue;
      const args = isMap(entry) && isMap(entry[key]) ? entry[key] : {};
      return {
        configPath: typeof args['config-path'] === 'string' ? args['config-path'] : '.circleci/continue_config.yml',
        baseRevision: typeof args['base-revision'] === 'string' ? args['base-revision'] : 'main',
        mapping: typeof args.mapping === 'string' ? parseMapping(args.mapping) : [],
      };
    }
  }
  return undefined;
}

/** The parameters (and config, when a line names one) that the changed paths select, as the orb computes them. */
export function applyPathFilter(
  filter: PathFilter,
  changedPaths: string[],
): { parameters: Record<string, unknown>; configPath: string; matched: Array<{ path: string; pattern: string; parameter: string }> } {
  const parameters: Record<string, unknown> = {};
  const matched: Array<{ path: string; pattern: string; parameter: string }> = [];
  let configPath = filter.configPath;
  for (const m of filter.mapping) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${m.pattern})$`);
    } catch {
      throw new PathFilterError(`path-filtering mapping pattern ${JSON.stringify(m.pattern)} is not a valid regular expression.`);
    }
    const hit = changedPaths.find((p) => re.test(p));
    if (hit === undefined) continue;
    parameters[m.parameter] = m.value;
    matched.push({ path: hit, pattern: m.pattern, parameter: m.parameter });
    if (m.config) configPath = m.config;
  }
  return { parameters, configPath, matched };
}
