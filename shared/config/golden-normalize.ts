import { environmentMap } from './environment';

/**
 * Puts a `config process` output into one shape so two outputs can be compared as data: `environment` as a map
 * (CircleCI writes it as a list of one-key maps), every step as `{type: args}`, every workflow job entry as
 * `{name: config}`. Key order, quoting and layout stop mattering once both sides are parsed and normalised.
 */
type Doc = Record<string, unknown>;

const isMap = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);

const environment = (env: unknown): Doc =>
  Object.fromEntries(Object.entries(environmentMap(env)).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));

const step = (s: unknown): Doc =>
  typeof s === 'string' ? { [s]: {} } : isMap(s) ? Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v ?? {}])) : { invalid: s };

function job(body: unknown): Doc {
  const out: Doc = { ...(isMap(body) ? body : {}) };
  if (out.environment !== undefined) out.environment = environment(out.environment);
  if (Array.isArray(out.docker))
    out.docker = out.docker.map((d) => (isMap(d) && d.environment !== undefined ? { ...d, environment: environment(d.environment) } : d));
  if (Array.isArray(out.steps)) out.steps = out.steps.map(step);
  return out;
}

function entry(e: unknown): [string, Doc] {
  if (typeof e === 'string') return [e, {}];
  const [name, cfg] = Object.entries(isMap(e) ? e : {})[0] ?? ['', {}];
  return [name, isMap(cfg) ? cfg : {}];
}

export function normalizeProcessed(doc: unknown): Doc {
  const d = isMap(doc) ? doc : {};
  const jobs = Object.fromEntries(Object.entries(isMap(d.jobs) ? d.jobs : {}).map(([k, v]) => [k, job(v)]));
  const workflows: Doc = {};
  for (const [name, wf] of Object.entries(isMap(d.workflows) ? d.workflows : {})) {
    if (!isMap(wf)) {
      workflows[name] = wf;
      continue;
    }
    workflows[name] = { ...wf, jobs: Array.isArray(wf.jobs) ? wf.jobs.map(entry) : wf.jobs };
  }
  return { ...d, jobs, workflows };
}
