import { randomUUID } from 'node:crypto';
import type { Project } from '../../model/entities';
import { ConflictError, NotFoundError, ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';
import { stableUuid } from '../identity/tokens';

const SLUG = /^(gh|github|bb|bitbucket|gl|gitlab|circleci)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

/** Normalises `github/acme/x` to `gh/acme/x` and validates a project slug. */
export function parseSlug(slug: string): { vcs: string; org: string; repo: string; slug: string } {
  const m = SLUG.exec(slug);
  if (!m) {
    throw new ValidationError(`Invalid project slug "${slug}": expected <vcs>/<org>/<repo>, for example gh/acme/demo.`, { slug });
  }
  const vcs = { github: 'gh', bitbucket: 'bb', gitlab: 'gl' }[m[1]] ?? m[1];
  return { vcs, org: m[2], repo: m[3], slug: `${vcs}/${m[2]}/${m[3]}` };
}

export async function addProject(
  deps: Pick<ControlPlaneDeps, 'projects' | 'clock' | 'caches'>,
  input: { slug: string; repoUrl: string; defaultBranch?: string },
): Promise<Project> {
  const s = parseSlug(input.slug);
  if (!input.repoUrl) throw new ValidationError('A repository URL is required (https, file:// URL or local path).');
  const project: Project = {
    id: randomUUID(),
    slug: s.slug,
    name: s.repo,
    organizationName: s.org,
    organizationSlug: `${s.vcs}/${s.org}`,
    organizationId: stableUuid('org', s.vcs, s.org),
    repoUrl: input.repoUrl,
    defaultBranch: input.defaultBranch ?? 'main',
    settings: { buildPrsOnly: false, buildForkPrs: false, forksReceiveSecrets: false, autoCancelBuilds: false },
    createdAt: deps.clock.now().toISOString(),
  };
  if (!(await deps.projects.createProject(project))) {
    throw new ConflictError(`Project ${s.slug} exists already.`, { slug: s.slug });
  }
  // A new project's caches are all saved through the cache index: no listing of older ones is ever needed.
  await deps.caches?.markComplete(project.slug);
  return project;
}

/**
 * The clone URL of a project added without one (`POST /project/{slug}` with no body, as CircleCI takes it):
 * the repository of the same name on the GitHub the App is installed on.
 */
export function vcsRepositoryUrl(deps: Pick<ControlPlaneDeps, 'githubWebUrl'>, slug: string): string {
  const s = parseSlug(slug);
  if (s.vcs !== 'gh') {
    throw new ValidationError(`Slipway finds repositories by itself only on GitHub; for ${s.slug} send {"repo_url": "<clone URL>"} in the request body.`, {
      slug: s.slug,
    });
  }
  if (!deps.githubWebUrl) {
    throw new ValidationError(
      `No GitHub App is configured, so Slipway cannot find the repository of ${s.slug}: set SLIPWAY_GITHUB_APP_ID and SLIPWAY_GITHUB_APP_PRIVATE_KEY (or SLIPWAY_GITHUB_APP_FILE), or send {"repo_url": "<clone URL>"} in the request body.`,
      { slug: s.slug, missing: 'SLIPWAY_GITHUB_APP_ID' },
    );
  }
  return `${deps.githubWebUrl}/${s.org}/${s.repo}.git`;
}

export async function getProjectOrThrow(deps: Pick<ControlPlaneDeps, 'projects'>, slug: string): Promise<Project> {
  const normalized = SLUG.test(slug) ? parseSlug(slug).slug : slug;
  // Organisation and repository names are case-insensitive on GitHub and Bitbucket, and so on CircleCI.
  const project =
    (await deps.projects.getProject(normalized)) ?? (await deps.projects.listProjects()).find((p) => p.slug.toLowerCase() === normalized.toLowerCase());
  if (!project) throw new NotFoundError('Project not found', { slug });
  return project;
}
