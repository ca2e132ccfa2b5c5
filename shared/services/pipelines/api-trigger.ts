import type { Pipeline, Project, User } from '../../model/entities';
import { NotFoundError, RefNotFoundError, ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';
import { triggerPipeline } from './pipelines';
import { stableUuid } from '../identity/tokens';

export interface ApiTriggerInput {
  branch?: string;
  /** A commit to build (API v1.1 `revision`); the branch is then only its label. */
  revision?: string;
  tag?: string;
  parameters?: Record<string, unknown>;
}

/** The id of a project's one pipeline definition (its `.circleci/config.yml`), as `pipeline/run` takes it. */
export function pipelineDefinitionId(project: Project): string {
  return stableUuid('pipeline-definition', project.id);
}

/**
 * A pipeline triggered through the API. The ref is resolved first, as CircleCI does: a branch or tag that
 * does not exist is a 400 `Branch not found` / `Tag not found` (scripts fall back to the default branch on
 * it), and the pipeline is pinned to the commit the ref pointed at. When the repository cannot be read at
 * all, the pipeline is still created and records the fetch error, so the failure is visible in the UI.
 */
export async function triggerFromApi(
  deps: Pick<ControlPlaneDeps, 'pipelines' | 'projects' | 'queue' | 'clock' | 'repos'>,
  project: Project,
  user: User,
  input: ApiTriggerInput,
): Promise<Pipeline> {
  if (input.branch && input.tag) throw new ValidationError('Provide either branch or tag, not both.');
  let revision: string | undefined;
  try {
    const ref = input.revision ? { revision: input.revision } : input.tag ? { tag: input.tag } : { branch: input.branch ?? project.defaultBranch };
    revision = (await deps.repos.resolve(project, ref)).revision;
  } catch (e) {
    if (e instanceof RefNotFoundError) throw new ValidationError(`${e.kind} not found`, { branch: input.branch, tag: input.tag });
  }
  return triggerPipeline(deps, project, { ...input, revision, trigger: { type: 'api', actor: { login: user.login, avatarUrl: null } } });
}

export interface PipelineRunInput {
  definition_id?: string;
  config?: { branch?: string; tag?: string };
  checkout?: { branch?: string; tag?: string };
  parameters?: Record<string, unknown>;
}

/**
 * `POST /project/{slug}/pipeline/run`: a project has one pipeline definition in Slipway (its
 * `.circleci/config.yml`), and the config and the checkout come from the same ref.
 */
export function pipelineRunTrigger(project: Project, body: PipelineRunInput): ApiTriggerInput {
  const definition = pipelineDefinitionId(project);
  if (body.definition_id && body.definition_id !== definition) {
    throw new NotFoundError(`Pipeline definition ${body.definition_id} not found: ${project.slug} has one, ${definition} (its .circleci/config.yml).`);
  }
  for (const [name, ref] of Object.entries({ config: body.config, checkout: body.checkout })) {
    if (ref?.branch && ref.tag) throw new ValidationError(`Give ${name}.branch or ${name}.tag, not both.`);
  }
  const config = body.config ?? {};
  const checkout = body.checkout ?? config;
  if ((checkout.branch ?? null) !== (config.branch ?? null) || (checkout.tag ?? null) !== (config.tag ?? null)) {
    throw new ValidationError('Slipway checks out the ref it reads the config from: give checkout the same branch or tag as config (or leave it out).');
  }
  return { branch: config.branch, tag: config.tag, parameters: body.parameters };
}
