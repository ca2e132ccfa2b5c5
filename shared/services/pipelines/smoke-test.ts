import { createHash } from 'node:crypto';
import type { Pipeline, Project, User } from '../../model/entities';
import { ForbiddenError } from '../../model/errors';
import type { RepositorySource, ResolvedCommit } from '../../ports/repository-source';
import type { ControlPlaneDeps } from '../deps';
import { triggerPipeline } from './pipelines';
import { addProject } from '../projects/projects';

/**
 * The built-in smoke test (`slipway admin smoke-test`): a pipeline whose config ships with Slipway, in a project
 * of its own, so an operator proves a deployment end to end (API, queues, compiler, dispatcher, compute, agent,
 * logs, cache in S3) before any repository is connected. Owns the project, its config and its repository.
 */
export const SMOKE_TEST_SLUG = 'gh/slipway/smoke-test';
export const SMOKE_TEST_REPO_URL = 'builtin:smoke-test';

/** A docker job (Fargate in AWS) that runs steps and round-trips a cache through the bucket. */
export const SMOKE_TEST_CONFIG = `version: 2.1
jobs:
  smoke:
    docker:
      - image: cimg/base:stable
    resource_class: small
    steps:
      - run:
          name: Environment
          command: echo "Slipway smoke test, job $CIRCLE_BUILD_NUM of workflow $CIRCLE_WORKFLOW_ID" && test -n "$CIRCLE_WORKFLOW_ID"
      - run: mkdir -p smoke && date > smoke/stamp
      - save_cache:
          key: smoke-{{ .Environment.CIRCLE_WORKFLOW_ID }}
          paths: [smoke]
      - run: rm -rf smoke
      - restore_cache:
          keys:
            - smoke-{{ .Environment.CIRCLE_WORKFLOW_ID }}
      - run:
          name: Cache round trip
          command: test -s smoke/stamp && echo "cache restored"
workflows:
  smoke-test:
    jobs: [smoke]
`;

const REVISION = createHash('sha1').update(SMOKE_TEST_CONFIG).digest('hex');

/** Starts a smoke-test pipeline (instance administrators only), creating the smoke-test project on first use. */
export async function startSmokeTest(deps: ControlPlaneDeps, user: User): Promise<Pipeline> {
  if (!user.admin) throw new ForbiddenError('Only instance administrators may run the smoke test.');
  const project = (await deps.projects.getProject(SMOKE_TEST_SLUG)) ?? (await createSmokeProject(deps));
  return triggerPipeline(deps, project, { branch: 'main', trigger: { type: 'api', actor: { login: user.login, avatarUrl: null } } });
}

async function createSmokeProject(deps: ControlPlaneDeps): Promise<Project> {
  try {
    return await addProject(deps, { slug: SMOKE_TEST_SLUG, repoUrl: SMOKE_TEST_REPO_URL });
  } catch (e) {
    // Two first runs at once: the other created it.
    const existing = await deps.projects.getProject(SMOKE_TEST_SLUG);
    if (existing) return existing;
    throw e;
  }
}

/** Serves the smoke-test project's repository (one commit holding the built-in config); every other project goes to `inner`. */
export class BuiltinRepositorySource implements RepositorySource {
  constructor(private readonly inner: RepositorySource) {
    if (inner.listFiles)
      this.listFiles = (project, revision, dir) => (builtin(project) ? Promise.resolve(undefined) : inner.listFiles!(project, revision, dir));
  }

  listFiles?: RepositorySource['listFiles'];

  async resolve(project: Project, ref: { branch?: string; tag?: string; revision?: string }): Promise<ResolvedCommit> {
    if (!builtin(project)) return this.inner.resolve(project, ref);
    return { revision: REVISION, subject: 'Slipway smoke test', body: 'The built-in pipeline of `slipway admin smoke-test`.' };
  }

  async readFile(project: Project, revision: string, path: string): Promise<string | undefined> {
    if (!builtin(project)) return this.inner.readFile(project, revision, path);
    return path === '.circleci/config.yml' ? SMOKE_TEST_CONFIG : undefined;
  }

  async checkoutAccess(project: Project): Promise<{ url: string; username?: string; password?: string }> {
    if (!builtin(project)) return this.inner.checkoutAccess(project);
    return { url: SMOKE_TEST_REPO_URL };
  }
}

const builtin = (project: Project) => project.repoUrl === SMOKE_TEST_REPO_URL;
