import { stringifyYaml } from './yaml-scalars';
import { unescapeString } from './interpolate';
import type { CompileOptions } from './compile';
import { expandConfig } from './expand-config';
import { budgetOf, ConfigLimitError } from './limits';
import type { ConfigProblem } from './plan';
import type { LongStep } from './steps';
import type { ExpandedWorkflowJob } from './workflows';

export type ProcessResult = { ok: true; yaml: string } | { ok: false; problems: ConfigProblem[] };

/** Replaces escaped `\<<` in every string of a value with `<<`. */
function finalise(v: unknown): unknown {
  if (typeof v === 'string') return unescapeString(v);
  if (Array.isArray(v)) return v.map(finalise);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, finalise(x)]));
  return v;
}

/** A step as `config process` prints it: built-ins without arguments bare, everything else long form. */
function stepOut(step: LongStep): unknown {
  const type = Object.keys(step)[0];
  const args = step[type];
  return type !== 'run' && Object.keys(args).length === 0 ? type : { [type]: args };
}

function entryOut(j: ExpandedWorkflowJob): unknown {
  const cfg: Record<string, unknown> = { ...j.entry };
  if (j.requires.length) {
    cfg.requires = j.requires.map((r) => (r.statuses.length === 1 && r.statuses[0] === 'success' ? r.job : { [r.job]: r.statuses.length === 1 ? r.statuses[0] : r.statuses }));
  }
  return Object.keys(cfg).length ? { [j.name]: cfg } : j.name;
}

/**
 * The config as `circleci config process` prints it: `version: 2`, every job fully expanded under its final
 * workflow name (matrix instances included), every step in long form, workflows excluded by `when` omitted.
 */
export async function processConfig(source: string, options: CompileOptions = {}): Promise<ProcessResult> {
  const expanded = await expandConfig(source, options);
  if (!expanded.ok) return { ok: false, problems: expanded.problems };
  const jobs: Record<string, unknown> = {};
  const workflows: Record<string, unknown> = {};
  for (const wf of expanded.config.workflows) {
    for (const j of wf.jobs) {
      if (!j.job) continue;
      const { steps, ...rest } = j.job.body;
      void steps;
      jobs[j.name] = { ...rest, steps: j.job.steps.map(stepOut) };
    }
    const w: Record<string, unknown> = {};
    if (wf.triggers !== undefined) w.triggers = wf.triggers;
    w.jobs = wf.jobs.map(entryOut);
    workflows[wf.name] = w;
  }
  const out: Record<string, unknown> = { version: 2 };
  if (expanded.config.setup) out.setup = true;
  out.jobs = jobs;
  out.workflows = { version: 2, ...workflows };
  const yaml = stringifyYaml(finalise(out));
  try {
    budgetOf(expanded.problems).checkProcessedBytes(Buffer.byteLength(yaml));
  } catch (err) {
    if (err instanceof ConfigLimitError) return { ok: false, problems: err.problems };
    throw err;
  }
  return { ok: true, yaml };
}
