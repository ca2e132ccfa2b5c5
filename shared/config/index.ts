export { compileConfig, type CompileOptions, type CompileResult } from './compile';
export { processConfig, type ProcessResult } from './process-config';
export { selectJobs, jobAllowed, matchesPattern } from './select-jobs';
export { compileConfigWithDefaults, type CompileConfigRequest, type CompileConfigResponse } from './compile-with-defaults';
export { packOrb, OrbPackError, type PackOptions } from './orb-pack';
export { formatProblems, ConfigCompileError } from './problems';
export { defaultPipelineValues, pipelineValuesFrom } from './pipeline-values';
export type * from './plan';
