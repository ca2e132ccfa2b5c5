import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The CircleCI API v2 spec the project keeps next to the checkout (absent on machines without the corpus). */
export const SPEC_PATH = resolve(__dirname, '..', '..', '..', 'shared', 'corpus', 'api', 'circleci-api-v2.openapi.json');

type Json = Record<string, unknown>;

/**
 * Swagger 2 left-overs in the spec: `x-nullable: true` means what OpenAPI 3's `nullable: true` means (CircleCI
 * returns `null` there, e.g. `next_page_token`), and `format: integer` is not a format ajv knows.
 */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'x-nullable') out.nullable = v;
    else if (k === 'format' && (v === 'integer' || v === 'int64' || v === 'int32' || v === 'float' || v === 'double')) continue;
    else out[k] = normalise(v);
  }
  if (out.nullable === true && out.type === undefined) delete out.nullable;
  return out;
}

/**
 * Where CircleCI's live API and its published spec disagree, the live API wins (scripts were written against
 * it): a workflow job that has not started has `"started_at": null`, while the spec types it a required string.
 */
function applyKnownDeviations(spec: Json): void {
  const jobs = (spec.paths as any)['/workflow/{id}/job']?.get?.responses?.['200']?.content?.['application/json']?.schema?.properties?.items?.items;
  if (jobs?.properties?.started_at) jobs.properties.started_at.nullable = true;
}

export interface SpecValidator {
  /** Problems of one response, or `[]`; `undefined` when the spec has no such operation (not a CircleCI route). */
  check(method: string, path: string, status: number, body: unknown): string[] | undefined;
}

/** Loads the spec and compiles response validators lazily; `undefined` when the spec file is not present. */
export function loadSpecValidator(): SpecValidator | undefined {
  if (!existsSync(SPEC_PATH)) return undefined;
  const spec = normalise(JSON.parse(readFileSync(SPEC_PATH, 'utf8'))) as Json;
  applyKnownDeviations(spec);
  const ajv = new Ajv({ strict: false, allErrors: true, discriminator: false });
  addFormats(ajv);
  ajv.addSchema({ ...spec, $id: 'spec' } as never);
  const paths = spec.paths as Record<string, Record<string, Json>>;
  const templates = Object.keys(paths).map((template) => ({
    template,
    regex: new RegExp(
      '^' +
        template
          .split('/')
          .map((seg) => (seg === '{project-slug}' ? '[^/]+/[^/]+/[^/]+' : /^\{.+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('/') +
        '$',
    ),
    literal: template.split('/').filter((s) => !s.startsWith('{')).length,
  }));
  const cache = new Map<string, ValidateFunction | null>();

  const pointer = (...parts: string[]) => 'spec#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

  return {
    check(method, fullPath, status, body) {
      const path = fullPath.replace(/^\/api\/v2/, '').split('?')[0];
      const matches = templates.filter((t) => t.regex.test(path) && paths[t.template][method.toLowerCase()]);
      if (!matches.length) return undefined;
      // The most literal template wins (`/project/{slug}/pipeline/mine` over `/project/{slug}/pipeline/{number}`).
      const { template } = matches.sort((a, b) => b.literal - a.literal)[0];
      const op = paths[template][method.toLowerCase()];
      const responses = op.responses as Record<string, Json>;
      const code = responses[String(status)] ? String(status) : responses.default && status >= 400 ? 'default' : undefined;
      if (!code) return [`${method} ${template}: status ${status} is not one the spec lists (${Object.keys(responses).join(', ')})`];
      const key = `${method} ${template} ${code}`;
      if (!cache.has(key)) {
        let response = responses[code];
        let ref = pointer('paths', template, method.toLowerCase(), 'responses', code);
        if (typeof response.$ref === 'string') {
          ref = 'spec' + response.$ref;
          response = (spec.components as Json).responses
            ? ((spec.components as Record<string, Json>).responses[response.$ref.split('/').pop()!] as Json)
            : response;
        }
        const hasSchema = Boolean((response.content as Json | undefined)?.['application/json']);
        cache.set(key, hasSchema ? ajv.compile({ $ref: `${ref}/content/application~1json/schema` }) : null);
      }
      const validate = cache.get(key);
      if (!validate) return [];
      if (validate(body)) return [];
      return (validate.errors ?? []).map((e) => `${method} ${template} ${status}: ${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
    },
  };
}
