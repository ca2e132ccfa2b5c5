import type { OrbResolver } from './orb-reference';
import { expandConfig } from './expand-config';
import { buildWorkflowPlans } from './plan-build';
import type { ConfigProblem, Plan, PipelineValues } from './plan';
import type { CompileLimits } from './limits';
import type { ParseLimits } from './yaml-parse';
import { plainScalar } from './yaml-scalars';

export interface CompileOptions {
  /** Name used in error positions (default `.circleci/config.yml`). */
  fileName?: string;
  /** Pipeline parameters given with the trigger. */
  pipelineParameters?: Record<string, unknown>;
  pipeline?: PipelineValues;
  orbResolver?: OrbResolver;
  /** Bounds against hostile input: what is read (size, nesting, aliases) and what is produced (see limits.ts). */
  limits?: Partial<ParseLimits & CompileLimits>;
}

export type CompileResult = { ok: true; plan: Plan; problems: [] } | { ok: false; problems: ConfigProblem[] };

/**
 * Compiles a CircleCI config (2.0 or 2.1) to a plan: parse (YAML 1.1 with positions) → validate (JSON schema)
 * → expand (orbs, commands, executors, parameters, matrices, conditions) → plan. Pure apart from the injected
 * orb resolver; never throws for a bad config, every problem is positioned.
 */
export async function compileConfig(source: string, options: CompileOptions = {}): Promise<CompileResult> {
  const expanded = await expandConfig(source, options);
  if (!expanded.ok) return { ok: false, problems: expanded.problems };
  const { config, problems } = expanded;
  const workflows = buildWorkflowPlans(config.workflows, problems);
  // The plan is plain JSON (it crosses worker threads and is stored): a float parameter value is its number.
  const pipelineParameters = Object.fromEntries(Object.entries(config.pipelineParameters).map(([k, v]) => [k, plainScalar(v)])) as Plan['pipelineParameters'];
  return { ok: true, problems: [], plan: { version: config.version, setup: config.setup, workflows, pipelineParameters } };
}
