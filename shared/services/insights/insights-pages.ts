import type { Project } from '../../model/entities';
import type { ControlPlaneDeps } from '../deps';
import { days, loadWorkflowRuns, previousOf, within, type Window, type WorkflowRun } from './insights';
import { groupBy, percentile, runMetrics, trend, type Run } from './insights-metrics';

/** The Insights summary pages (project page and organisation summary): the current window against the one before. */

/** Metrics and trends of a group of runs as the summary pages show them. */
function pageMetrics(cur: Run[], prev: Run[], window: Window) {
  const m = runMetrics(cur, days(window));
  const p = runMetrics(prev, days(window));
  return {
    metrics: {
      total_runs: m.total_runs,
      total_duration_secs: m.total_duration_secs,
      total_credits_used: 0,
      success_rate: m.success_rate,
      throughput: m.throughput,
    },
    trends: {
      total_runs: trend(m.total_runs, p.total_runs),
      total_duration_secs: trend(m.total_duration_secs, p.total_duration_secs),
      total_credits_used: 0,
      success_rate: trend(m.success_rate, p.success_rate),
      throughput: trend(m.throughput, p.throughput),
    },
  };
}

function workflowGroupMetrics(cur: Run[], prev: Run[]) {
  const p95 = (rs: Run[]) =>
    percentile(
      rs.map((r) => r.durationSecs).sort((a, b) => a - b),
      95,
    );
  const rate = (rs: Run[]) => (rs.length ? rs.filter((r) => r.status === 'success').length / rs.length : 0);
  return {
    metrics: { total_credits_used: 0, p95_duration_secs: p95(cur), total_runs: cur.length, success_rate: rate(cur) },
    trends: {
      total_credits_used: 0,
      p95_duration_secs: trend(p95(cur), p95(prev)),
      total_runs: trend(cur.length, prev.length),
      success_rate: trend(rate(cur), rate(prev)),
    },
  };
}

const listParam = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

/** `GET /insights/pages/{slug}/summary`: the project's Insights page (filters: `branches`, `workflow-names`). */
export async function projectPageSummary(deps: ControlPlaneDeps, project: Project, window: Window, query: Record<string, string | undefined>) {
  const previous = previousOf(window);
  const all = await loadWorkflowRuns(deps, project.slug, { start: previous.start, end: window.end });
  const branches = listParam(query.branches);
  const names = listParam(query['workflow-names']);
  const kept = all.filter((r) => (!branches || branches.includes(r.branch)) && (!names || names.includes(r.workflow.name)));
  const cur = kept.filter((r) => within(r.startedAt, window));
  const prev = kept.filter((r) => within(r.startedAt, previous));
  const byWorkflow = groupBy(cur, (r) => r.workflow.name);
  const byBranch = groupBy(cur, (r) => `${r.workflow.name}\u0000${r.branch}`);
  return {
    org_id: project.organizationId,
    project_id: project.id,
    project_data: pageMetrics(cur, prev, window),
    project_workflow_data: [...byWorkflow].map(([workflow_name, rs]) => ({
      workflow_name,
      ...workflowGroupMetrics(
        rs,
        prev.filter((r) => r.workflow.name === workflow_name),
      ),
    })),
    project_workflow_branch_data: [...byBranch].map(([, rs]) => ({
      workflow_name: rs[0].workflow.name,
      branch: rs[0].branch,
      ...workflowGroupMetrics(
        rs,
        prev.filter((r) => r.workflow.name === rs[0].workflow.name && r.branch === rs[0].branch),
      ),
    })),
    all_branches: [...new Set(all.map((r) => r.branch))].sort(),
    all_workflows: [...new Set(all.map((r) => r.workflow.name))].sort(),
  };
}

/** `GET /insights/{org-slug}/summary`: every project of the organisation (filter: `project-names`). */
export async function orgSummary(deps: ControlPlaneDeps, projects: Project[], window: Window, projectNames?: string) {
  const previous = previousOf(window);
  const names = listParam(projectNames);
  const kept = projects.filter((p) => !names || names.includes(p.name));
  const perProject = await Promise.all(
    kept.map(async (p) => ({ project: p, runs: await loadWorkflowRuns(deps, p.slug, { start: previous.start, end: window.end }) })),
  );
  const split = (runs: WorkflowRun[]) => ({ cur: runs.filter((r) => within(r.startedAt, window)), prev: runs.filter((r) => within(r.startedAt, previous)) });
  const all = split(perProject.flatMap((p) => p.runs));
  return {
    org_data: pageMetrics(all.cur, all.prev, window),
    org_project_data: perProject.map(({ project, runs }) => {
      const { cur, prev } = split(runs);
      const { metrics, trends } = pageMetrics(cur, prev, window);
      return {
        project_name: project.name,
        metrics: {
          total_credits_used: 0,
          total_duration_secs: metrics.total_duration_secs,
          total_runs: metrics.total_runs,
          success_rate: metrics.success_rate,
        },
        trends: { total_credits_used: 0, total_duration_secs: trends.total_duration_secs, total_runs: trends.total_runs, success_rate: trends.success_rate },
      };
    }),
    all_projects: projects.map((p) => p.name).sort(),
  };
}
