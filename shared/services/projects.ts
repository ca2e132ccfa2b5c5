import { randomUUID } from 'node:crypto';
import type { Project } from '../model/entities';
import { ConflictError, NotFoundError, ValidationError } from '../model/errors';
import type { ControlPlaneDeps } from './deps';
import { stableUuid } from './tokens';

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
  deps: Pick<ControlPlaneDeps, 'projects' | 'clock'>,
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
  return project;
}

export async function getProjectOrThrow(deps: Pick<ControlPlaneDeps, 'projects'>, slug: string): Promise<Project> {
  const normalized = SLUG.test(slug) ? parseSlug(slug).slug : slug;
  // Organisation and repository names are case-insensitive on GitHub and Bitbucket, and so on CircleCI.
  const project = (await deps.projects.getProject(normalized)) ?? (await deps.projects.listProjects()).find((p) => p.slug.toLowerCase() === normalized.toLowerCase());
  if (!project) throw new NotFoundError('Project not found', { slug });
  return project;
}
