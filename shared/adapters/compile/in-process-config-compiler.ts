import { compileConfig, type CompileResult } from '../../config/compile';
import { compileConfigWithDefaults, type CompileConfigRequest, type CompileConfigResponse } from '../../config/compile-with-defaults';
import type { ConfigCompileOptions, ConfigCompiler } from '../../ports/config-compiler';
import type { OrbResolver } from '../../ports/orb-resolver';

/** Compiles on the caller's thread: for trusted input (the CLI on the user's own files) and inside the worker. */
export class InProcessConfigCompiler implements ConfigCompiler {
  constructor(private readonly orbResolver?: OrbResolver) {}

  compile(source: string, options: ConfigCompileOptions = {}): Promise<CompileResult> {
    return compileConfig(source, { ...options, orbResolver: this.orbResolver });
  }

  compileWithDefaults(body: CompileConfigRequest): Promise<CompileConfigResponse> {
    return compileConfigWithDefaults(body, { orbResolver: this.orbResolver });
  }
}
