import type { CompileResult } from '../../config/compile';
import type { CompileConfigRequest, CompileConfigResponse } from '../../config/compile-with-defaults';
import type { ConfigCompileOptions } from '../../ports/config-compiler';
import type { OrbReference } from '../../ports/orb-resolver';

/** Messages between the API's thread and a compile worker (structured clone, one request at a time). */
export type ToWorker =
  | { type: 'compile'; source: string; options: ConfigCompileOptions }
  | { type: 'compile-with-defaults'; body: CompileConfigRequest }
  | { type: 'orb'; id: number; source: string | undefined };

export type FromWorker =
  { type: 'orb'; id: number; ref: OrbReference } | { type: 'done'; result: CompileResult | CompileConfigResponse } | { type: 'failed'; message: string };
