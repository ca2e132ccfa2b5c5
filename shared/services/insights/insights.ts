import type { Job, Pipeline, Project, Workflow } from '../../model/entities';
import { ValidationError } from '../../model/errors';
import { isTerminalJob, isTerminalWorkflow } from '../../model/statuses';
import type { ControlPlaneDeps } from '../deps';
import { bucketOf, durationMetrics, groupBy, runMetrics, trend, type Run } from './insights-metrics';

/** How far back Insights reads (CircleCI: 90 days) and how many pipelines one request reads at most. */
const MAX_DAYS = 90;
const MAX_PIPELINES = 2000;
const PAGE = 100;
const DAY_MS = 86_400_000;

const WINDOWS: Record<string, number> = { 'last-24-hours': 1, 'last-7-days': 7, 'last-30-days': 30, 'last-60-days': 60, 'last-90-days': 90 };

export interface Window {
  start: Date;
  end: Date;
}

/** `reporting-window` (default last 90 days) ending now. */
export function reportingWindow(now: Date, name: string | undefined): Window {
  const days = WINDOWS[name ?? 'last-90-days'];
  if (!days) throw new ValidationError(`reporting-window must be one of ${Object.keys(WINDOWS).join(', ')}.`);
  return { start: new Date(now.getTime() - days * DAY_MS), end: now };
}

/** `start-date`/`end-date` (an end needs a start; at most 90 days apart); default the last 90 days. */
export function dateWindow(now: Date, startDate: string | undefined, endDate: string | undefined): Window {
  if (endDate && !startDate) throw new ValidationError('end-date needs a start-date.');
  const start = startDate ? new Date(startDate) : new Date(now.getTime() - MAX_DAYS * DAY_MS);
  const end = endDate ? new Date(endDate) : now;
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
    throw new ValidationError('start-date and end-date must be ISO 8601 dates, e.g. 2026-11-01T00:00:00Z.');
  if (end < start) throw new ValidationError('end-date must not be before start-date.');
  if (end.getTime() - start.getTime() > MAX_DAYS * DAY_MS) throw new ValidationError('end-date can be at most 90 days after start-date.');
  return { start, end };
}

export const days = (w: Window) => Math.max((w.end.getTime() - w.start.getTime()) / DAY_MS, 1 / 24);
export const previousOf = (w: Window): Window => ({ start: new Date(2 * w.start.getTime() - w.end.getTime()), end: w.start });
export const within = (iso: string, w: Window) => iso >= w.start.toISOString() && iso < w.end.toISOString();

/** Which branch Insights reads: the one named, every one (`all-branches`), or the project's default branch. */
export function branchScope(project: Project, query: Record<string, string | undefined>): string | undefined {
  if (query['all-branches'] === 'true') return undefined;
  return query.branch ?? project.defaultBranch;
}

export interface WorkflowRun extends Run {
  workflow: Workflow;
  pipeline: Pipeline;
  branch: string;
}

/**
 * The completed workflow runs of a project created in a window (newest first), read page by page from the
 * newest pipeline back to the window's start, bounded by MAX_PIPELINES pipelines.
 */
export async function loadWorkflowRuns(deps: Pick<ControlPlaneDeps, 'pipelines'>, slug: string, window: Window, branch?: string): Promise<WorkflowRun[]> {
  const runs: WorkflowRun[] = [];
  let pageToken: string | undefined;
  const from = window.start.toISOString();
  for (let read = 0; read < MAX_PIPELINES;) {
    const page = await deps.pipelines.listPipelines(slug, { limit: PAGE, pageToken, branch });
    read += page.items.length;
    const inWindow = page.items.filter((p) => within(p.createdAt, window));
    const workflows = await Promise.all(inWindow.map((p) => deps.pipelines.listWorkflows(p.id)));
    inWindow.forEach((pipeline, i) => {
      for (const w of workflows[i]) {
        if (!isTerminalWorkflow(w.status) || !w.stoppedAt || w.status === 'not_run') continue;
        const durationSecs = Math.max(0, Math.round((Date.parse(w.stoppedAt) - Date.parse(w.createdAt)) / 1000));
        runs.push({ workflow: w, pipeline, branch: pipeline.vcs.branch ?? '', status: w.status, startedAt: w.createdAt, stoppedAt: w.stoppedAt, durationSecs });
      }
    });
    const oldest = page.items[page.items.length - 1];
    if (!page.nextPageToken || !oldest || oldest.createdAt < from) break;
    pageToken = page.nextPageToken;
  }
  return runs;
}

export interface JobRun extends Run {
  job: Job;
  run: WorkflowRun;
}

/** The completed (started) jobs of some workflow runs. */
export async function loadJobRuns(deps: Pick<ControlPlaneDeps, 'pipelines'>, runs: WorkflowRun[]): Promise<JobRun[]> {
  const jobs = await Promise.all(runs.map((r) => deps.pipelines.listJobs(r.workflow.id)));
  return runs.flatMap((run, i) =>
    jobs[i]
      .filter((j) => j.type === 'build' && isTerminalJob(j.status) && j.startedAt && j.stoppedAt)
      .map((job) => ({
        job,
        run,
        status: job.status,
        startedAt: job.startedAt!,
        stoppedAt: job.stoppedAt!,
        durationSecs: Math.max(0, Math.round((Date.parse(job.stoppedAt!) - Date.parse(job.startedAt!)) / 1000)),
      })),
  );
}

const windowFields = (w: Window) => ({ window_start: w.start.toISOString(), window_end: w.end.toISOString() });
const metricsOf = (runs: Run[], w: Window) => {
  const { total_duration_secs: _total, ...m } = runMetrics(runs, days(w));
  return m;
};

/** `GET /insights/{slug}/workflows`: metrics per workflow name over the reporting window. */
export async function workflowsSummary(deps: ControlPlaneDeps, project: Project, window: Window, branch: string | undefined) {
  const runs = await loadWorkflowRuns(deps, project.slug, window, branch);
  const items = [...groupBy(runs, (r) => r.workflow.name)].map(([name, rs]) => ({
    name,
    metrics: metricsOf(rs, window),
    ...windowFields(window),
    project_id: project.id,
  }));
  return { items: items.sort((a, b) => a.name.localeCompare(b.name)), next_page_token: null };
}

/** `GET /insights/{slug}/workflows/{name}`: recent runs, newest first, in pages of `limit`. */
export async function workflowRuns(
  deps: ControlPlaneDeps,
  project: Project,
  name: string,
  window: Window,
  branch: string | undefined,
  pageToken?: string,
  limit = 100,
) {
  const offset = pageToken ? Number(Buffer.from(pageToken, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('Invalid page-token: pass the next_page_token of the previous page.');
  const runs = (await loadWorkflowRuns(deps, project.slug, window, branch)).filter(
    (r) => r.workflow.name === name && ['success', 'failed', 'error', 'canceled', 'unauthorized'].includes(r.status),
  );
  runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const page = runs.slice(offset, offset + limit).map((r) => ({
    id: r.workflow.id,
    branch: r.branch,
    duration: r.durationSecs,
    created_at: r.workflow.createdAt,
    stopped_at: r.stoppedAt,
    credits_used: 0,
    status: r.status,
    is_approval: false,
  }));
  return { items: page, next_page_token: offset + limit < runs.length ? Buffer.from(String(offset + limit)).toString('base64url') : null };
}

/** `GET /insights/{slug}/workflows/{name}/jobs`: metrics per job of a workflow (`job-name` filters). */
export async function workflowJobsSummary(
  deps: ControlPlaneDeps,
  project: Project,
  name: string,
  window: Window,
  branch: string | undefined,
  jobName?: string,
) {
  const runs = (await loadWorkflowRuns(deps, project.slug, window, branch)).filter((r) => r.workflow.name === name);
  const jobs = (await loadJobRuns(deps, runs)).filter((j) => !jobName || j.job.name === jobName);
  const items = [...groupBy(jobs, (j) => j.job.name)].map(([jobNameOf, js]) => {
    const { mttr: _m, total_recoveries: _r, ...m } = metricsOf(js, window);
    return { name: jobNameOf, metrics: m, ...windowFields(window) };
  });
  return { items: items.sort((a, b) => a.name.localeCompare(b.name)), next_page_token: null };
}

/** `GET /insights/{slug}/workflows/{name}/summary`: metrics of the last 90 days and trends against the 90 before. */
export async function workflowSummary(deps: ControlPlaneDeps, project: Project, name: string, now: Date, branch: string | undefined) {
  const window = reportingWindow(now, 'last-90-days');
  const previous = previousOf(window);
  const all = await loadWorkflowRuns(deps, project.slug, { start: previous.start, end: window.end }, branch);
  const cur = all.filter((r) => r.workflow.name === name && within(r.startedAt, window));
  const prev = all.filter((r) => r.workflow.name === name && within(r.startedAt, previous));
  const m = runMetrics(cur, days(window));
  const p = runMetrics(prev, days(previous));
  return {
    metrics: { ...metricsOf(cur, window), completed_runs: m.total_runs, ...windowFields(window) },
    trends: {
      total_runs: trend(m.total_runs, p.total_runs),
      failed_runs: trend(m.failed_runs, p.failed_runs),
      success_rate: trend(m.success_rate, p.success_rate),
      p95_duration_secs: trend(m.duration_metrics.p95, p.duration_metrics.p95),
      median_duration_secs: trend(m.duration_metrics.median, p.duration_metrics.median),
      total_credits_used: 0,
      mttr: trend(m.mttr, p.mttr),
      throughput: trend(m.throughput, p.throughput),
    },
    workflow_names: [...new Set(all.map((r) => r.workflow.name))].sort(),
  };
}

/** `GET /insights/time-series/{slug}/workflows/{name}/jobs`: job metrics per day or hour. */
export async function jobTimeSeries(
  deps: ControlPlaneDeps,
  project: Project,
  name: string,
  window: Window,
  branch: string | undefined,
  granularity: 'daily' | 'hourly',
) {
  const runs = (await loadWorkflowRuns(deps, project.slug, window, branch)).filter((r) => r.workflow.name === name);
  const jobs = await loadJobRuns(deps, runs);
  const items = [...groupBy(jobs, (j) => `${bucketOf(j.startedAt, granularity)} ${j.job.name}`)].map(([, js]) => {
    const m = runMetrics(js, granularity === 'daily' ? 1 : 1 / 24);
    const d = durationMetrics(js.map((j) => j.durationSecs));
    return {
      name: js[0].job.name,
      min_started_at: js.map((j) => j.startedAt).sort()[0],
      max_ended_at: js
        .map((j) => j.stoppedAt)
        .sort()
        .reverse()[0],
      timestamp: bucketOf(js[0].startedAt, granularity),
      metrics: {
        total_runs: m.total_runs,
        failed_runs: m.failed_runs,
        successful_runs: m.successful_runs,
        throughput: m.throughput,
        median_credits_used: 0,
        total_credits_used: 0,
        duration_metrics: { min: d.min, median: d.median, max: d.max, p95: d.p95, total: js.reduce((s, j) => s + j.durationSecs, 0) },
      },
    };
  });
  items.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.name.localeCompare(b.name));
  return { items, next_page_token: null };
}

/** `GET /insights/{slug}/branches`: the branches with runs in the last 90 days (of one workflow when named). */
export async function projectBranches(deps: ControlPlaneDeps, project: Project, now: Date, workflowName?: string) {
  const runs = await loadWorkflowRuns(deps, project.slug, reportingWindow(now, 'last-90-days'));
  const branches = [
    ...new Set(
      runs
        .filter((r) => !workflowName || r.workflow.name === workflowName)
        .map((r) => r.branch)
        .filter(Boolean),
    ),
  ].sort();
  return { org_id: project.organizationId, project_id: project.id, branches };
}
