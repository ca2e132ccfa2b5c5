import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobReplaySpec } from '../../shared/services/jobs/job-replay';
import { ApiClient } from '../api-client';
import { UsageError } from '../commands/event-options';
import { runLocally } from './local-run';
import { fetchServerSecrets, type LocalSecrets, type SecretsLoader } from './secrets';
import type { RunSummary, RunView } from './view';

/** `gh/org/repo/123`, or a URL whose path ends with `<vcs>/<org>/<repo>/[.../][jobs/]<number>`. */
export function parseJobRef(ref: string): { baseUrl?: string; slug: string; number: number } {
  let path = ref;
  let baseUrl: string | undefined;
  if (/^https?:\/\//.test(ref)) {
    const url = new URL(ref);
    baseUrl = url.origin;
    path = decodeURIComponent(url.pathname);
  }
  const m = /(?:^|\/)(gh|github|bb|bitbucket|circleci)\/([^/]+)\/([^/]+)\/(?:.*\/)?(\d+)\/?$/.exec(path);
  if (!m) throw new UsageError(`--replay ${ref}: give a job as gh/<org>/<repo>/<job number> or its URL (…/gh/<org>/<repo>/…/<job number>).`);
  const vcs = m[1] === 'github' ? 'gh' : m[1] === 'bitbucket' ? 'bb' : m[1];
  return { baseUrl, slug: `${vcs}/${m[2]}/${m[3]}`, number: Number(m[4]) };
}

/**
 * Reruns one job of a Slipway server locally: fetches what it ran with (config, pipeline values and parameters,
 * environment variables: masked unless `withSecrets`), checks out its revision into a temporary folder and
 * runs that job alone on the embedded runtime, with the workspace it attached and the caches it restored on
 * the server (the jobs it requires do not run again).
 */
export async function replayJob(options: {
  ref: string;
  withSecrets: boolean;
  dataDir?: string;
  view: RunView;
  env?: NodeJS.ProcessEnv;
  secrets?: SecretsLoader;
}): Promise<RunSummary> {
  const ref = parseJobRef(options.ref);
  const env = options.env ?? process.env;
  const api = ApiClient.fromEnv(ref.baseUrl && !env.SLIPWAY_URL ? { ...env, SLIPWAY_URL: ref.baseUrl } : env);
  const spec = await api.request<JobReplaySpec>(
    'GET',
    `/api/v2/project/${ref.slug}/job/${ref.number}/replay${options.withSecrets ? '?with-secrets=true' : ''}`,
  );
  if (!spec.pipeline.revision)
    throw new UsageError(`Job ${ref.number} of ${ref.slug} has no revision (its pipeline never fetched its config); nothing to replay.`);
  const dir = mkdtempSync(join(tmpdir(), 'slipway-replay-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  try {
    git('clone', '--quiet', '--no-checkout', spec.pipeline.repository_url, '.');
    git('-c', 'advice.detachedHead=false', 'checkout', '--quiet', spec.pipeline.revision);
    if (spec.pipeline.branch) git('checkout', '--quiet', '-B', spec.pipeline.branch);
  } catch (e) {
    throw new Error(
      `Could not check out ${spec.pipeline.revision.slice(0, 12)} of ${spec.pipeline.repository_url}: ${String((e as { stderr?: unknown }).stderr ?? (e as Error).message).trim()}`,
      { cause: e },
    );
  }
  if (spec.config !== null) {
    mkdirSync(join(dir, '.circleci'), { recursive: true });
    writeFileSync(join(dir, '.circleci', 'config.yml'), spec.config);
  }
  const masked = spec.environment.filter((v) => v.masked).map((v) => v.name);
  options.view.note(
    `Replaying ${spec.workflow_name}/${spec.job_name} (job ${ref.number} of ${ref.slug}, ${spec.status} on the server) at ${spec.pipeline.revision.slice(0, 12)} in ${dir}`,
  );
  if (masked.length) options.view.note(`Masked (rerun with --with-secrets as an organisation admin for the values): ${masked.join(', ')}`);
  // Contexts: their values with --with-secrets; without, the contexts exist locally but hold no variables.
  const contexts: LocalSecrets['contexts'] =
    options.withSecrets && spec.contexts.length
      ? (await fetchServerSecrets(api, ref.slug, spec.contexts)).contexts
      : Object.fromEntries(spec.contexts.map((c) => [c, {}]));
  if (spec.contexts.length && !options.withSecrets)
    options.view.note(`Contexts replayed without their variables (rerun with --with-secrets as an organisation admin for them): ${spec.contexts.join(', ')}`);
  const secrets: SecretsLoader = async (named) => {
    const extra = options.secrets ? await options.secrets(named) : { env: {}, contexts: {} };
    return { env: extra.env, contexts: { ...contexts, ...extra.contexts } };
  };
  return runLocally({
    dir,
    dataDir: options.dataDir,
    event: {
      ...(spec.pipeline.tag ? { tag: spec.pipeline.tag } : { branch: spec.pipeline.branch ?? 'main' }),
      event: 'push',
      parameters: spec.pipeline.parameters,
    },
    env: Object.fromEntries(spec.environment.map((v) => [v.name, v.value])),
    selection: { workflows: [spec.workflow_name], jobs: [spec.job_name] },
    approve: 'all',
    secrets,
    replay: { workspace: spec.workspace, caches: spec.caches },
    view: options.view,
  });
}
