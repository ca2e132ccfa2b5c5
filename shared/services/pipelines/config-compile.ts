import { compileConfig, type CompileResult } from '../../config/compile';
import { compileConfigWithDefaults, type CompileConfigRequest, type CompileConfigResponse } from '../../config/compile-with-defaults';
import type { ConfigCompileOptions } from '../../ports/config-compiler';
import type { ControlPlaneDeps } from '../deps';

// Compiling users' configs: through the deployment's isolated compiler when it has one (a worker with memory
// and time caps), else on this thread (tests that wire only the stores they exercise).

/** Compiles a pipeline's or a continuation's config. */
export function compileUserConfig(
  deps: Pick<ControlPlaneDeps, 'configCompiler' | 'orbResolver'>,
  source: string,
  options: ConfigCompileOptions = {},
): Promise<CompileResult> {
  return deps.configCompiler ? deps.configCompiler.compile(source, options) : compileConfig(source, { ...options, orbResolver: deps.orbResolver });
}

/** Answers `POST /api/v2/compile-config-with-defaults`. */
export function compileUserConfigWithDefaults(
  deps: Pick<ControlPlaneDeps, 'configCompiler' | 'orbResolver'>,
  body: CompileConfigRequest,
): Promise<CompileConfigResponse> {
  return deps.configCompiler ? deps.configCompiler.compileWithDefaults(body) : compileConfigWithDefaults(body, { orbResolver: deps.orbResolver });
}
