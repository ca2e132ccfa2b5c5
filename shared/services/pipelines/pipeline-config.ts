import type { Plan } from '../../config/plan';
import type { Pipeline } from '../../model/entities';
import type { ControlPlaneDeps } from '../deps';

/**
 * Where a pipeline's config source, setup config and compiled plan live in the bucket when they are too large
 * for the pipeline item: a config of 1,000 jobs compiles to a plan larger than DynamoDB's 400 KB item limit.
 */
export const pipelineConfigKeys = (pipelineId: string) => ({
  config: `pipelines/${pipelineId}/config.yml`,
  setupConfig: `pipelines/${pipelineId}/setup-config.yml`,
  plan: `pipelines/${pipelineId}/plan.json`,
});

/**
 * Files stored together up to this size stay on the pipeline item (no S3 PUTs); larger ones go to the bucket.
 * Not higher: DynamoDB bills a write per KB of the item, once more for the project-pipelines index (which
 * projects the whole item), and reads per 4 KB, while two S3 PUTs cost what 16 write units do; past a few KB
 * the bucket is the cheaper place.
 */
export const INLINE_PIPELINE_CONFIG_MAX_BYTES = 4 * 1024;

export interface PipelineConfig {
  /** The config the pipeline runs (the continuation config once a setup pipeline has continued). */
  source?: string;
  /** Dynamic config: the setup config as fetched. */
  setupSource?: string;
  plan?: Plan;
}

/**
 * Resolves the patch that stores the given files: on the pipeline item itself when together they are at most
 * `INLINE_PIPELINE_CONFIG_MAX_BYTES` (a reference to an earlier bucket copy is removed), else in the bucket,
 * the patch pointing the item at them (inline copies removed). Safe to repeat: each put overwrites with the
 * same content. Write before the item update that publishes the patch, so a reader never finds a reference
 * without its file.
 */
export async function storePipelineConfig(deps: Pick<ControlPlaneDeps, 'blobs'>, pipelineId: string, config: PipelineConfig): Promise<Partial<Pipeline>> {
  const planJson = config.plan && JSON.stringify(config.plan);
  const size = [config.source, config.setupSource, planJson].reduce((n, text) => n + (text === undefined ? 0 : Buffer.byteLength(text, 'utf8')), 0);
  const parameters = config.plan && { pipelineParameters: config.plan.pipelineParameters };
  if (size <= INLINE_PIPELINE_CONFIG_MAX_BYTES) {
    return {
      ...(config.source !== undefined && { configSource: config.source, configKey: undefined }),
      ...(config.setupSource !== undefined && { setupConfigSource: config.setupSource, setupConfigKey: undefined }),
      ...(config.plan && { plan: config.plan, planKey: undefined, ...parameters }),
    };
  }
  const keys = pipelineConfigKeys(pipelineId);
  const patch: Partial<Pipeline> = {};
  const puts: Promise<void>[] = [];
  if (config.source !== undefined) {
    puts.push(deps.blobs.put(keys.config, config.source, { contentType: 'text/yaml' }));
    Object.assign(patch, { configKey: keys.config, configSource: undefined });
  }
  if (config.setupSource !== undefined) {
    puts.push(deps.blobs.put(keys.setupConfig, config.setupSource, { contentType: 'text/yaml' }));
    Object.assign(patch, { setupConfigKey: keys.setupConfig, setupConfigSource: undefined });
  }
  if (planJson !== undefined) {
    puts.push(deps.blobs.put(keys.plan, planJson, { contentType: 'application/json' }));
    Object.assign(patch, { planKey: keys.plan, plan: undefined, ...parameters });
  }
  await Promise.all(puts);
  return patch;
}

/** A pipeline's config source, setup config and plan, from the bucket when the item points there, else from the item. */
export async function loadPipelineConfig(deps: Pick<ControlPlaneDeps, 'blobs'>, pipeline: Pipeline): Promise<PipelineConfig> {
  const read = async (key: string | undefined) => (key ? (await deps.blobs.get(key))?.toString('utf8') : undefined);
  const [source, setupSource, plan] = await Promise.all([read(pipeline.configKey), read(pipeline.setupConfigKey), read(pipeline.planKey)]);
  return {
    source: source ?? pipeline.configSource,
    setupSource: setupSource ?? pipeline.setupConfigSource,
    plan: plan !== undefined ? (JSON.parse(plan) as Plan) : pipeline.plan,
  };
}
