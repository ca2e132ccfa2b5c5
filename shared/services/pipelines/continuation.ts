import { decodeJwt } from 'jose';
import { compileUserConfig } from './config-compile';
import type { Pipeline } from '../../model/entities';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';
import { storePipelineConfig } from './pipeline-config';
import { announceWorkflows, createPlanWorkflows } from './pipelines';
import { pipelineValuesOf } from './pipeline-values';

/** The resource a continuation key is signed for: one pipeline. */
const resourceOf = (pipelineId: string) => `pipeline-continuation:${pipelineId}`;
const RESOURCE = /^pipeline-continuation:([0-9a-f-]{36})$/;

/**
 * The continuation key handed to the jobs of a setup workflow (`CIRCLE_CONTINUATION_KEY`): a token signed for
 * the pipeline that expires with the continuation window, or `undefined` when the pipeline cannot be continued
 * (not a setup pipeline, continued already, or the window has passed).
 */
export async function continuationKeyFor(deps: Pick<ControlPlaneDeps, 'tokens' | 'clock'>, pipeline: Pipeline): Promise<string | undefined> {
  if (pipeline.state !== 'setup-pending' || !pipeline.continuationExpiresAt) return undefined;
  const ttl = Math.floor((Date.parse(pipeline.continuationExpiresAt) - deps.clock.now().getTime()) / 1000);
  return ttl > 0 ? deps.tokens.signResource(resourceOf(pipeline.id), ttl) : undefined;
}

export interface ContinueInput {
  key: string;
  configuration: string;
  parameters?: Record<string, string | number | boolean>;
}

/** The pipeline a continuation key was signed for; 401 for a missing, forged or expired key. */
export async function pipelineOfContinuationKey(deps: Pick<ControlPlaneDeps, 'tokens' | 'pipelines'>, key: string): Promise<Pipeline> {
  let resource: unknown;
  try {
    resource = decodeJwt(key).resource;
  } catch {
    throw new UnauthorizedError('Invalid continuation key: use the CIRCLE_CONTINUATION_KEY of the setup job.');
  }
  const match = typeof resource === 'string' ? RESOURCE.exec(resource) : null;
  if (!match) throw new UnauthorizedError('Invalid continuation key: use the CIRCLE_CONTINUATION_KEY of the setup job.');
  await deps.tokens.verifyResource(key, resource as string);
  const pipeline = await deps.pipelines.getPipeline(match[1]);
  if (!pipeline) throw new NotFoundError(`Pipeline ${match[1]} of this continuation key no longer exists.`);
  return pipeline;
}

/**
 * `POST /api/v2/pipeline/continue`: compiles the continuation config with its parameters and runs its
 * workflows in the setup pipeline. Accepted once per pipeline (a dedupe claim, so concurrent calls cannot
 * both win), within the continuation window; parameters given when the pipeline was triggered cannot be given
 * again (400, as CircleCI). A config problem is a 400 naming the position, and the pipeline stays continuable.
 */
export async function continuePipeline(deps: ControlPlaneDeps, input: ContinueInput): Promise<Pipeline> {
  const pipeline = await pipelineOfContinuationKey(deps, input.key);
  if (pipeline.state !== 'setup-pending') {
    throw new ConflictError(`Pipeline ${pipeline.number} of ${pipeline.projectSlug} was continued already; a continuation key works once.`);
  }
  const now = deps.clock.now();
  if (!pipeline.continuationExpiresAt || Date.parse(pipeline.continuationExpiresAt) <= now.getTime()) {
    throw new ValidationError(`The continuation window of pipeline ${pipeline.number} has passed (keys work for 6 hours). Trigger a new pipeline.`);
  }
  const parameters = input.parameters ?? {};
  const conflicting = Object.keys(parameters).filter((k) => k in pipeline.parameters);
  if (conflicting.length) {
    throw new ValidationError(
      `Conflicting pipeline parameters: ${conflicting.join(', ')} ${conflicting.length > 1 ? 'were' : 'was'} already given when the pipeline was triggered. Give each parameter once.`,
      { parameters: conflicting },
    );
  }
  const project = await deps.projects.getProject(pipeline.projectSlug);
  if (!project) throw new NotFoundError(`Project ${pipeline.projectSlug} no longer exists.`);
  const compiled = await compileUserConfig(deps, input.configuration, {
    fileName: 'continuation config',
    pipelineParameters: parameters,
    pipeline: pipelineValuesOf(pipeline, project),
  });
  if (!compiled.ok) {
    const problems = compiled.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    throw new ValidationError(`The continuation config is invalid:\n${problems.join('\n')}`, { problems });
  }
  if (compiled.plan.setup) throw new ValidationError('The continuation config has `setup: true`; a pipeline continues once, with a config without setup.');

  const claimKey = `continuation:${pipeline.id}`;
  const ttl = Math.max(1, Math.ceil((Date.parse(pipeline.continuationExpiresAt) - now.getTime()) / 1000));
  if (!(await deps.dedupe.claim(claimKey, ttl, now))) {
    throw new ConflictError(`Pipeline ${pipeline.number} of ${pipeline.projectSlug} was continued already; a continuation key works once.`);
  }
  try {
    const workflowIds = await createPlanWorkflows(deps, pipeline, compiled.plan, { namespace: 'continuation' });
    // The setup config stays in its own file; the continuation config and plan replace the setup's.
    const stored = await storePipelineConfig(deps, pipeline.id, { source: input.configuration, plan: compiled.plan });
    const updated = await deps.pipelines.updatePipeline(pipeline.id, 'setup-pending', {
      state: 'setup',
      ...stored,
      updatedAt: now.toISOString(),
    });
    if (!updated) throw new ConflictError(`Pipeline ${pipeline.number} of ${pipeline.projectSlug} was continued already; a continuation key works once.`);
    await announceWorkflows(deps, workflowIds);
    return updated;
  } catch (e) {
    // Nothing was announced: free the claim so that a retry of this continuation can proceed.
    if (!(e instanceof ConflictError)) await deps.dedupe.release(claimKey);
    throw e;
  }
}
