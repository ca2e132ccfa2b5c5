import type { OrbResolver } from './orb-reference';
import { expandConfig } from './expand-config';
import { applyPathFilter, findPathFilter, PathFilterError } from './path-filtering';
import { buildWorkflowPlans } from './plan-build';
import type { ConfigProblem, JobType, PipelineValues } from './plan';
import { defaultPipelineValues } from './pipeline-values';
import { explainJobSelection } from './select-jobs';

/** The event a plan is made for: what `slipway plan` (and `slipway run`) take from the command line. */
export interface PlanEvent {
  branch?: string;
  tag?: string;
  /** `push`, `pull_request`, `tag` or `api` (default `push`); `schedule` runs the scheduled workflows. */
  event?: 'push' | 'pull_request' | 'tag' | 'api' | 'schedule';
  parameters?: Record<string, unknown>;
  revision?: string;
  gitUrl?: string;
  /** Changed paths, for a setup config that uses the path-filtering orb. */
  changedPaths?: string[];
}

export interface JobVerdict {
  name: string;
  type: JobType;
  runs: boolean;
  /** Why the job does not run. */
  reason?: string;
  /** Upstream jobs (all of them, also those that do not run). */
  requires: string[];
}

export interface WorkflowVerdict {
  name: string;
  runs: boolean;
  /** Why the workflow does not run. */
  reason?: string;
  jobs: JobVerdict[];
}

export interface PlanReport {
  file: string;
  setup: boolean;
  workflows: WorkflowVerdict[];
  /** Set when the config does not compile (the report then holds no workflows). */
  problems?: ConfigProblem[];
  /** A path-filtered setup config: the continuation the changed paths select, and its own report. */
  continuation?: {
    configPath: string;
    parameters: Record<string, unknown>;
    matched: Array<{ path: string; pattern: string; parameter: string }>;
    report?: PlanReport;
    error?: string;
  };
}

export interface ExplainOptions {
  fileName?: string;
  event: PlanEvent;
  orbResolver?: OrbResolver;
  /** Reads another config of the repository (the continuation of a path-filtered setup config). */
  readFile?: (path: string) => string | undefined;
}

/** Pipeline values for an event, as the server would give them. */
export function pipelineValuesForEvent(event: PlanEvent): PipelineValues {
  const d = defaultPipelineValues;
  const trigger = event.event === 'api' ? 'api' : event.event === 'schedule' ? 'scheduled_pipeline' : 'webhook';
  const git =
    event.tag !== undefined
      ? { tag: event.tag, revision: event.revision ?? d.git.revision }
      : { branch: event.branch ?? d.git.branch, revision: event.revision ?? d.git.revision };
  return { ...d, git, project: { ...d.project, git_url: event.gitUrl ?? d.project.git_url }, trigger_source: trigger };
}

/**
 * Says, without running anything, which workflows and jobs a config runs for an event and why each other one
 * does not (`when` false, filters, required jobs filtered out, schedule-only workflows). Pure apart from the
 * injected orb resolver and file reader.
 */
export async function explainPlan(source: string, options: ExplainOptions): Promise<PlanReport> {
  const file = options.fileName ?? '.circleci/config.yml';
  const { event } = options;
  const expanded = await expandConfig(source, {
    fileName: file,
    pipelineParameters: event.parameters,
    pipeline: pipelineValuesForEvent(event),
    orbResolver: options.orbResolver,
  });
  const report: PlanReport = { file, setup: false, workflows: [] };
  if (!expanded.ok) report.problems = expanded.problems;
  else {
    const { config, problems } = expanded;
    report.setup = config.setup;
    const git = event.tag !== undefined ? { tag: event.tag } : { branch: event.branch ?? defaultPipelineValues.git.branch };
    for (const wp of buildWorkflowPlans(config.workflows, problems)) {
      const requires = (name: string) => (wp.jobs.find((j) => j.name === name)?.requires ?? []).map((r) => r.job);
      const all = (reason: string): WorkflowVerdict => ({
        name: wp.name,
        runs: false,
        reason,
        jobs: wp.jobs.map((j) => ({ name: j.name, type: j.type, runs: false, reason, requires: requires(j.name) })),
      });
      const scheduled = wp.schedules.length > 0;
      if (scheduled !== (event.event === 'schedule')) {
        report.workflows.push(
          all(scheduled ? `triggers: schedule (${wp.schedules.map((s) => s.cron).join(', ')}): runs only on its schedule` : 'not a scheduled workflow'),
        );
        continue;
      }
      const selection = explainJobSelection(wp, git);
      const skipped = new Map(selection.skipped.map((s) => [s.job, s.reason]));
      const jobs: JobVerdict[] = wp.jobs.map((j) => ({
        name: j.name,
        type: j.type,
        runs: !skipped.has(j.name),
        ...(skipped.has(j.name) ? { reason: skipped.get(j.name) } : {}),
        requires: requires(j.name),
      }));
      report.workflows.push(
        selection.jobs.length ? { name: wp.name, runs: true, jobs } : { name: wp.name, runs: false, reason: 'every job is filtered out', jobs },
      );
    }
    for (const s of config.skippedWorkflows) report.workflows.push({ name: s.name, runs: false, reason: s.reason, jobs: [] });
  }
  const filter = findPathFilter(source);
  if (filter && event.changedPaths) report.continuation = await explainContinuation(filter, options);
  return report;
}

async function explainContinuation(filter: NonNullable<ReturnType<typeof findPathFilter>>, options: ExplainOptions): Promise<PlanReport['continuation']> {
  let selected;
  try {
    selected = applyPathFilter(filter, options.event.changedPaths ?? []);
  } catch (e) {
    if (e instanceof PathFilterError) return { configPath: filter.configPath, parameters: {}, matched: [], error: e.message };
    throw e;
  }
  const text = options.readFile?.(selected.configPath);
  if (text === undefined)
    return { ...selected, error: `The continuation config ${selected.configPath} was not found. Add it, or fix \`config-path\` of the path-filtering job.` };
  const parameters = { ...(options.event.parameters ?? {}), ...selected.parameters };
  const report = await explainPlan(text, { ...options, fileName: selected.configPath, event: { ...options.event, parameters, changedPaths: undefined } });
  return { ...selected, report };
}
