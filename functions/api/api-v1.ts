import { parse } from 'yaml';
import type { Job, Pipeline, Project, User } from '../../shared/model/entities';
import { RefNotFoundError, ValidationError } from '../../shared/model/errors';
import { isTerminalJob } from '../../shared/model/statuses';
import { apiV1BuildSummary } from './api-shapes';
import { roleIn } from '../../shared/services/identity/auth';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import { cacheKeyOf } from '../../shared/services/jobs/job-blobs';

type Deps = Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'publicUrl'>;

/** CircleCI v1.1 list limits. */
export const V1_MAX_LIMIT = 100;
export const V1_DEFAULT_LIMIT = 30;
/** How many pipelines a build listing reads at most (newest first) to fill a page. */
const V1_MAX_PIPELINES = 200;

export type V1Filter = 'completed' | 'successful' | 'failed' | 'running';
const FILTERS: Record<V1Filter, (j: Job) => boolean> = {
  completed: (j) => isTerminalJob(j.status),
  successful: (j) => j.status === 'success',
  failed: (j) => ['failed', 'infrastructure_fail', 'timedout'].includes(j.status),
  running: (j) => j.status === 'running',
};

/** `limit`, `offset`, `filter` and `shallow` of a v1.1 build listing, validated. */
export function parseListing(query: Record<string, string | undefined>): { limit: number; offset: number; filter?: V1Filter; shallow: boolean } {
  const int = (name: string, fallback: number, max: number) => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) > max) throw new ValidationError(`${name} must be a whole number from 0 to ${max}, not "${raw}".`);
    return Number(raw);
  };
  const filter = query.filter;
  if (filter !== undefined && !(filter in FILTERS)) throw new ValidationError(`filter must be one of ${Object.keys(FILTERS).join(', ')}, not "${filter}".`);
  return {
    limit: int('limit', V1_DEFAULT_LIMIT, V1_MAX_LIMIT),
    offset: int('offset', 0, 100_000),
    filter: filter as V1Filter | undefined,
    shallow: query.shallow === 'true',
  };
}

type Summary = ReturnType<typeof apiV1BuildSummary>;

/** The newest builds (jobs that were queued) of a project, optionally of one branch, newest first. */
async function projectBuilds(deps: Deps, project: Project, options: { branch?: string; want: number; filter?: V1Filter }): Promise<Summary[]> {
  const out: Summary[] = [];
  let pageToken: string | undefined;
  let read = 0;
  do {
    const page = await deps.pipelines.listPipelines(project.slug, { branch: options.branch, pageToken, limit: 20 });
    for (const pipeline of page.items) {
      out.push(...(await pipelineBuilds(deps, project, pipeline, options.filter)));
    }
    read += page.items.length;
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken && out.length < options.want && read < V1_MAX_PIPELINES);
  return out.sort((a, b) => (b.build_num ?? 0) - (a.build_num ?? 0));
}

async function pipelineBuilds(deps: Deps, project: Project, pipeline: Pipeline, filter?: V1Filter): Promise<Summary[]> {
  const out: Summary[] = [];
  for (const wf of await deps.pipelines.listWorkflows(pipeline.id)) {
    for (const job of await deps.pipelines.listJobs(wf.id)) {
      if (job.number === undefined || job.type !== 'build' || (filter && !FILTERS[filter](job))) continue;
      out.push(apiV1BuildSummary(job, wf, project, pipeline, deps.publicUrl));
    }
  }
  return out;
}

/** `GET /project/:vcs/:org/:repo[/tree/:branch]`: a page of a project's builds. */
export async function listProjectBuilds(deps: Deps, project: Project, query: Record<string, string | undefined>, branch?: string) {
  const { limit, offset, filter, shallow } = parseListing(query);
  const builds = await projectBuilds(deps, project, { branch, want: offset + limit, filter });
  return builds.slice(offset, offset + limit).map((b) => (shallow ? shallowOf(b) : b));
}

/** `GET /recent-builds`: the newest builds of every project the user can see. */
export async function listRecentBuilds(deps: Deps, user: User, query: Record<string, string | undefined>) {
  const { limit, offset, shallow } = parseListing(query);
  const projects = (await deps.projects.listProjects()).filter((p) => roleIn(user, p.organizationSlug));
  const all = (await Promise.all(projects.map((p) => projectBuilds(deps, p, { want: offset + limit })))).flat();
  all.sort((a, b) => (b.queued_at ?? '').localeCompare(a.queued_at ?? ''));
  return all.slice(offset, offset + limit).map((b) => (shallow ? shallowOf(b) : b));
}

const shallowOf = (b: Summary) => {
  const { body: _b, user: _u, workflows: _w, ...rest } = b;
  return rest;
};

/** `GET /projects`: the projects the user can see, in CircleCI v1.1's shape. */
export async function listV1Projects(deps: Pick<ControlPlaneDeps, 'projects' | 'identity'>, user: User) {
  const followed = new Set(await deps.identity.listFollowedProjects(user.id));
  const projects = (await deps.projects.listProjects()).filter((p) => roleIn(user, p.organizationSlug));
  return projects.map((p) => ({
    username: p.organizationName,
    reponame: p.name,
    vcs_url: p.repoUrl,
    vcs_type: p.slug.startsWith('bb/') ? 'bitbucket' : 'github',
    default_branch: p.defaultBranch,
    following: followed.has(p.slug),
    oss: false,
    branches: {},
  }));
}

/**
 * The pipeline parameters of a v1.1 trigger: the `build_parameters` whose names the project's config declares
 * as pipeline parameters (at the commit the trigger builds). The others are reported back, not silently lost.
 */
export async function buildParametersOf(
  deps: Pick<ControlPlaneDeps, 'repos'>,
  project: Project,
  ref: { branch?: string; tag?: string; revision?: string },
  buildParameters: Record<string, unknown> | undefined,
): Promise<{ parameters: Record<string, unknown>; ignored: string[] }> {
  const names = Object.keys(buildParameters ?? {});
  if (!names.length) return { parameters: {}, ignored: [] };
  let declared: Record<string, unknown> = {};
  try {
    const commit = await deps.repos.resolve(project, ref);
    const source = (await deps.repos.readFile(project, commit.revision, '.circleci/config.yml')) ?? '';
    declared = ((parse(source) as { parameters?: Record<string, unknown> } | null)?.parameters ?? {}) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof RefNotFoundError) throw new ValidationError(`${e.kind} not found`);
    // An unreadable config makes the pipeline fail with the reason; no parameter can be matched before that.
  }
  const parameters = Object.fromEntries(names.filter((n) => n in declared).map((n) => [n, buildParameters![n]]));
  return { parameters, ignored: names.filter((n) => !(n in declared)) };
}

/** `DELETE /project/:vcs/:org/:repo/build-cache`: removes every saved cache of the project. */
export async function clearProjectCaches(deps: Pick<ControlPlaneDeps, 'blobs'>, project: Project) {
  const blobs = await deps.blobs.list(cacheKeyOf(project.slug, ''));
  for (let i = 0; i < blobs.length; i += 1000) await deps.blobs.delete(blobs.slice(i, i + 1000).map((b) => b.key));
  return { status: `build caches deleted (${blobs.length})` };
}
