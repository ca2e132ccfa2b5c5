import type { Plan } from '../config/plan';
import type { Pipeline } from '../model/entities';
import type { ControlPlaneDeps } from './deps';

/**
 * Where a pipeline's config source, setup config and compiled plan live in the bucket. They stay off the
 * pipeline item: a config of 1,000 jobs compiles to a plan larger than DynamoDB's 400 KB item limit.
 */
export const pipelineConfigKeys = (pipelineId: string) => ({
  config: `pipelines/${pipelineId}/config.yml`,
  setupConfig: `pipelines/${pipelineId}/setup-config.yml`,
  plan: `pipelines/${pipelineId}/plan.json`,
});

export interface PipelineConfig {
  /** The config the pipeline runs (the continuation config once a setup pipeline has continued). */
  source?: string;
  /** Dynamic config: the setup config as fetched. */
  setupSource?: string;
  plan?: Plan;
}

/**
 * Writes the given files to the bucket and resolves the small patch that points the pipeline item at them
 * (inline copies of older items are removed). Safe to repeat: each put overwrites with the same content.
 * Write before the item update that publishes the patch, so a reader never finds a reference without its file.
 */
export async function storePipelineConfig(deps: Pick<ControlPlaneDeps, 'blobs'>, pipelineId: string, config: PipelineConfig): Promise<Partial<Pipeline>> {
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
  if (config.plan) {
    puts.push(deps.blobs.put(keys.plan, JSON.stringify(config.plan), { contentType: 'application/json' }));
    Object.assign(patch, { planKey: keys.plan, plan: undefined, pipelineParameters: config.plan.pipelineParameters });
  }
  await Promise.all(puts);
  return patch;
}

/** A pipeline's config source, setup config and plan, from the bucket (or inline on items stored before). */
export async function loadPipelineConfig(deps: Pick<ControlPlaneDeps, 'blobs'>, pipeline: Pipeline): Promise<PipelineConfig> {
  const read = async (key: string | undefined) => (key ? (await deps.blobs.get(key))?.toString('utf8') : undefined);
  const [source, setupSource, plan] = await Promise.all([read(pipeline.configKey), read(pipeline.setupConfigKey), read(pipeline.planKey)]);
  return {
    source: source ?? pipeline.configSource,
    setupSource: setupSource ?? pipeline.setupConfigSource,
    plan: plan !== undefined ? (JSON.parse(plan) as Plan) : pipeline.plan,
  };
}
