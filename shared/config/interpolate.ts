import { DOCUMENTED_PIPELINE_VALUES, OPEN_PIPELINE_VALUE_PREFIXES } from './pipeline-values';
import { YamlFloat } from './yaml-scalars';
import { budgetOf } from './limits';
import type { Problems } from './problems';
import type { SourceMap } from './source-map';

/** What `<< ... >>` expressions may refer to at one place of the config. */
export interface InterpolationScope {
  /** Arguments of the definition being expanded (`<< parameters.x >>`); undefined leaves them untouched. */
  parameters?: Record<string, unknown>;
  /** Pipeline parameters; `null` where they are not visible (inside orbs); undefined leaves them untouched. */
  pipelineParameters?: Record<string, unknown> | null;
  /** Pipeline values (`id`, `number`, `git.branch`, ...); undefined leaves them untouched. */
  pipelineValues?: Record<string, unknown>;
  /** Matrix values (`<< matrix.x >>`); undefined leaves them untouched. */
  matrix?: Record<string, unknown>;
  /** Name of what is being expanded, for messages (e.g. `job "build"`). */
  owner: string;
}

const EXPR = /(\\?)<<\s*([A-Za-z_][\w.-]*)\s*>>/g;
const WHOLE = /^<<\s*([A-Za-z_][\w.-]*)\s*>>$/;

type Lookup = { found: true; value: unknown } | { found: false; handled: boolean };

function lookup(expr: string, scope: InterpolationScope): Lookup {
  const dot = expr.indexOf('.');
  const ns = dot === -1 ? expr : expr.slice(0, dot);
  const rest = dot === -1 ? '' : expr.slice(dot + 1);
  if (ns === 'parameters') {
    if (!scope.parameters) return { found: false, handled: false };
    return rest in scope.parameters ? { found: true, value: scope.parameters[rest] } : { found: false, handled: true };
  }
  if (ns === 'matrix') {
    if (!scope.matrix) return { found: false, handled: false };
    return rest in scope.matrix ? { found: true, value: scope.matrix[rest] } : { found: false, handled: true };
  }
  if (ns === 'pipeline') {
    if (rest.startsWith('parameters.')) {
      if (scope.pipelineParameters === undefined) return { found: false, handled: false };
      const name = rest.slice('parameters.'.length);
      if (scope.pipelineParameters === null || !(name in scope.pipelineParameters)) return { found: false, handled: true };
      return { found: true, value: scope.pipelineParameters[name] };
    }
    if (!scope.pipelineValues) return { found: false, handled: false };
    // Trigger-specific values (`pipeline.trigger_parameters.*`, `pipeline.event.*`) and the other documented values
    // a pipeline may not carry are empty when absent.
    if (!(rest in scope.pipelineValues) && (OPEN_PIPELINE_VALUE_PREFIXES.test(rest) || DOCUMENTED_PIPELINE_VALUES.includes(rest)))
      return { found: true, value: '' };
    return rest in scope.pipelineValues ? { found: true, value: scope.pipelineValues[rest] } : { found: false, handled: true };
  }
  return { found: false, handled: false };
}

const asText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' && !(v instanceof YamlFloat) ? JSON.stringify(v) : String(v);

function unknownReference(expr: string, scope: InterpolationScope, problems: Problems, node: unknown, key: string | number | undefined): void {
  const ns = expr.split('.')[0];
  if (expr.startsWith('pipeline.parameters.') && scope.pipelineParameters === null) {
    problems.add(`<< ${expr} >> is used in ${scope.owner}, but pipeline parameters are not visible inside orbs.`, {
      node,
      key,
      hint: 'Declare an orb parameter and pass the pipeline parameter to it from your config.',
    });
    return;
  }
  const kind =
    ns === 'parameters'
      ? 'parameter'
      : ns === 'matrix'
        ? 'matrix parameter'
        : ns === 'pipeline' && expr.startsWith('pipeline.parameters.')
          ? 'pipeline parameter'
          : 'pipeline value';
  const declared = ns === 'parameters' ? Object.keys(scope.parameters ?? {}) : ns === 'matrix' ? Object.keys(scope.matrix ?? {}) : [];
  problems.add(`Unknown ${kind} << ${expr} >> in ${scope.owner}.`, {
    node,
    key,
    hint:
      kind === 'parameter'
        ? `Declare it under \`parameters:\`${declared.length ? ` (declared: ${declared.join(', ')})` : ''}.`
        : kind === 'pipeline parameter'
          ? 'Declare it under the top-level `parameters:`.'
          : kind === 'pipeline value'
            ? "See the pipeline values: id, number, git.branch, git.tag, git.revision, git.base_revision, project.git_url, project.type, trigger.type, event.name and the others of CircleCI's pipeline values page."
            : `Add it to the job's \`matrix.parameters\`.`,
  });
}

/** Interpolates one string; a string that is exactly one expression takes the referenced value with its type. */
export function interpolateString(text: string, scope: InterpolationScope, problems: Problems, node?: unknown, key?: string | number): unknown {
  if (!text.includes('<<')) return text;
  const whole = WHOLE.exec(text);
  if (whole) {
    const r = lookup(whole[1], scope);
    if (r.found) return r.value;
    if (r.handled) unknownReference(whole[1], scope, problems, node, key);
    return text;
  }
  let produced = 0;
  const out = text.replace(EXPR, (match: string, escape: string, expr: string) => {
    if (escape) return match;
    const r = lookup(expr, scope);
    if (r.found) {
      const value = asText(r.value);
      produced += value.length;
      return value;
    }
    if (r.handled) unknownReference(expr, scope, problems, node, key);
    return match;
  });
  if (produced) budgetOf(problems).addBytes(produced, { node, key });
  return out;
}

/** Removes the `\` of escaped `\<<` once a value is final. */
export function unescapeString(text: string): string {
  return text.includes('\\<<') ? text.replace(/\\<</g, '<<') : text;
}

/**
 * Interpolates every string (and map key) of a value, returning new containers where something changed.
 * Positions of rebuilt containers are copied from the originals. `skipKeys` are left untouched at the top level.
 */
export function interpolate(value: unknown, scope: InterpolationScope, problems: Problems, map: SourceMap, skipKeys: readonly string[] = []): unknown {
  const walk = (v: unknown, parent: unknown, key: string | number | undefined, top: boolean): unknown => {
    if (typeof v === 'string') return interpolateString(v, scope, problems, parent, key);
    if (Array.isArray(v)) {
      let changed = false;
      const out: unknown[] = [];
      v.forEach((item, i) => {
        const r = walk(item, v, i, false);
        if (r !== item) changed = true;
        // A steps argument referenced as one list item is spliced into the enclosing list.
        if (Array.isArray(r) && typeof item === 'string' && WHOLE.test(item)) out.push(...r);
        else out.push(r);
      });
      if (!changed) return v;
      map.copy(v, out);
      return out;
    }
    if (v !== null && typeof v === 'object' && !(v instanceof YamlFloat)) {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        if (top && skipKeys.includes(k)) {
          out[k] = item;
          continue;
        }
        const nk = k.includes('<<') ? asText(interpolateString(k, scope, problems, v, k)) : k;
        const r = walk(item, v, k, false);
        if (r !== item || nk !== k) changed = true;
        out[nk] = r;
      }
      if (!changed) return v;
      map.copy(v, out);
      return out;
    }
    return v;
  };
  return walk(value, undefined, undefined, true);
}
