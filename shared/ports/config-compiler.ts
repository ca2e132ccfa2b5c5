import type { CompileOptions, CompileResult } from '../config/compile';
import type { CompileConfigRequest, CompileConfigResponse } from '../config/compile-with-defaults';

/** Options of one compilation; the orb resolver belongs to the compiler. */
export type ConfigCompileOptions = Omit<CompileOptions, 'orbResolver'>;

/**
 * Compiles configs that come from users (untrusted): the pipeline's config, a continuation, the compile
 * endpoint's body.
 *
 * Semantics: safe to call concurrently and any number of times (pure apart from orb lookups). A bad config
 * resolves with positioned problems, never rejects; a compilation that outgrows the compiler's memory or time
 * cap resolves as refused with one problem of code `limit` naming the cap. Implementations that isolate the
 * work (a worker thread) must keep the caller's event loop free while it runs. Rejects only on a compiler bug.
 */
export interface ConfigCompiler {
  compile(source: string, options?: ConfigCompileOptions): Promise<CompileResult>;
  compileWithDefaults(body: CompileConfigRequest): Promise<CompileConfigResponse>;
}
