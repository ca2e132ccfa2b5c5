import { parse } from 'yaml';
import type { OrbResolver } from './orb-reference';
import { pipelineValuesFrom } from './pipeline-values';
import { processConfig } from './process-config';

/** Body of `POST /api/v2/compile-config-with-defaults`, as the `circleci` CLI sends it. */
export interface CompileConfigRequest {
  config_yaml: string;
  options?: {
    /** A map, or (older CLIs) a YAML/JSON string of one. */
    pipeline_parameters?: Record<string, unknown> | string;
    /** Flat (`git.branch`) or nested pipeline values. */
    pipeline_values?: Record<string, unknown>;
    owner_id?: string;
  };
}

/**
 * Response of `compile-config-with-defaults`. The CLI reads the hyphenated `source-yaml`/`output-yaml`; the
 * underscore spellings are sent too for clients that expect them.
 */
export interface CompileConfigResponse {
  valid: boolean;
  'source-yaml': string;
  'output-yaml': string;
  source_yaml: string;
  output_yaml: string;
  /** `code: 'limit'` marks a compile limit (the API answers 400 then). */
  errors: Array<{ message: string; code?: 'limit' }>;
}

function readParameters(v: unknown): Record<string, unknown> | string {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v === 'string') {
    try {
      const parsed: unknown = parse(v);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
    return 'pipeline_parameters must be a map (or a YAML/JSON text of one).';
  }
  return typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : 'pipeline_parameters must be a map.';
}

/** Validates and processes a config as CircleCI's compile endpoint does. Pure apart from the orb resolver. */
export async function compileConfigWithDefaults(body: CompileConfigRequest, deps: { orbResolver?: OrbResolver } = {}): Promise<CompileConfigResponse> {
  const source = typeof body?.config_yaml === 'string' ? body.config_yaml : '';
  const respond = (valid: boolean, output: string, errors: CompileConfigResponse['errors']): CompileConfigResponse => ({
    valid,
    'source-yaml': source,
    'output-yaml': output,
    source_yaml: source,
    output_yaml: output,
    errors,
  });
  if (typeof body?.config_yaml !== 'string') return respond(false, '', [{ message: 'config_yaml is required: the text of the config to compile.' }]);
  const params = readParameters(body.options?.pipeline_parameters);
  if (typeof params === 'string') return respond(false, '', [{ message: params }]);
  const result = await processConfig(source, {
    fileName: 'config.yml',
    pipelineParameters: params,
    pipeline: pipelineValuesFrom(body.options?.pipeline_values),
    orbResolver: deps.orbResolver,
  });
  if (result.ok) return respond(true, result.yaml, []);
  return respond(
    false,
    '',
    result.problems.map((p) => ({
      message: `${p.file}:${p.line}:${p.column}: ${p.message}${p.hint ? ` ${p.hint}` : ''}`,
      ...(p.code === 'limit' ? { code: 'limit' as const } : {}),
    })),
  );
}
