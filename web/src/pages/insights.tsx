import { useState } from 'react';
import { Link } from 'wouter';
import { useApi } from '../api/queries';
import type { JobTimeSeries, Page, WorkflowMetrics, WorkflowRun } from '../api/types';
import { LineChart, type ChartPoint } from '../components/line-chart';
import { Empty, QueryView } from '../components/states';
import { formatDuration, percent } from '../lib/format';
import { tone } from '../lib/status';

type Params = { vcs: string; org: string; repo: string };
const WINDOW = 'last-90-days';

/** Runs, success rate and durations per workflow or job; workflow names select the workflow shown below. */
function MetricsTable({
  kind,
  items,
  selected,
  onSelect,
}: {
  kind: 'Workflow' | 'Job';
  items: WorkflowMetrics[];
  selected?: string;
  onSelect?: (name: string) => void;
}) {
  const seconds = (v: number | undefined) => formatDuration((v ?? NaN) * 1000);
  return (
    <table>
      <thead>
        <tr>
          <th>{kind}</th>
          <th>Runs</th>
          <th>Success rate</th>
          <th>Median duration</th>
          <th>P95 duration</th>
        </tr>
      </thead>
      <tbody>
        {items.map((m) => (
          <tr key={m.name} data-name={m.name}>
            <td>
              {onSelect ? (
                <button className="small" aria-pressed={m.name === selected} onClick={() => onSelect(m.name)}>
                  {m.name}
                </button>
              ) : (
                m.name
              )}
            </td>
            <td>{m.metrics.total_runs}</td>
            <td>{percent(m.metrics.success_rate)}</td>
            <td>{seconds(m.metrics.duration_metrics.median)}</td>
            <td>{seconds(m.metrics.duration_metrics.p95)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Success rate per day from individual runs. */
function dailySuccess(runs: WorkflowRun[]): ChartPoint[] {
  const days = new Map<number, { ok: number; all: number }>();
  for (const r of runs) {
    const day = new Date(r.created_at);
    day.setHours(0, 0, 0, 0);
    const d = days.get(day.getTime()) ?? { ok: 0, all: 0 };
    d.all++;
    if (r.status === 'success') d.ok++;
    days.set(day.getTime(), d);
  }
  return [...days].map(([t, d]) => ({ t, y: d.ok / d.all }));
}

function WorkflowInsights({ base, name }: { base: string; name: string }) {
  const wf = encodeURIComponent(name);
  const runs = useApi<Page<WorkflowRun>>(`/api/v2/insights/${base}/workflows/${wf}?all-branches=true`);
  const jobs = useApi<Page<WorkflowMetrics>>(`/api/v2/insights/${base}/workflows/${wf}/jobs?all-branches=true&reporting-window=${WINDOW}`);
  const series = useApi<Page<JobTimeSeries>>(`/api/v2/insights/time-series/${base}/workflows/${wf}/jobs?granularity=daily`);
  return (
    <>
      <section className="panel" aria-label={`Runs of ${name}`}>
        <h2>{name}: over time</h2>
        <QueryView query={runs} what="Workflow runs">
          {(page) => (
            <div className="grid2">
              <LineChart label="Success rate per day" points={dailySuccess(page.items)} format={(v) => percent(v)} yMax={1} />
              <LineChart
                label="Duration per run"
                points={page.items.map((r) => ({ t: Date.parse(r.created_at), y: r.duration * 1000, tone: tone(r.status) }))}
                format={formatDuration}
              />
            </div>
          )}
        </QueryView>
      </section>
      <section className="panel" aria-label={`Jobs of ${name}`}>
        <h2>Jobs</h2>
        <QueryView query={jobs} what="Job metrics">
          {(page) => (page.items.length === 0 ? <Empty title="No job runs in this window." /> : <MetricsTable kind="Job" items={page.items} />)}
        </QueryView>
      </section>
      <section className="panel" aria-label={`Job trends of ${name}`}>
        <h2>Job trends</h2>
        <QueryView query={series} what="Job time series">
          {(page) => {
            const names = [...new Set(page.items.map((s) => s.name))];
            if (names.length === 0) return <Empty title="No job trends in this window." />;
            return (
              <div className="grid2">
                {names.map((job) => {
                  const points = page.items.filter((s) => s.name === job);
                  return (
                    <div key={job}>
                      <h3>{job}</h3>
                      <LineChart
                        label="Median duration"
                        points={points.map((s) => ({ t: Date.parse(s.timestamp), y: (s.metrics.duration_metrics.median ?? 0) * 1000 }))}
                        format={formatDuration}
                      />
                      <LineChart
                        label="Success rate"
                        points={points.map((s) => ({
                          t: Date.parse(s.timestamp),
                          y: s.metrics.total_runs ? s.metrics.successful_runs / s.metrics.total_runs : 0,
                        }))}
                        format={(v) => percent(v)}
                        yMax={1}
                      />
                    </div>
                  );
                })}
              </div>
            );
          }}
        </QueryView>
      </section>
    </>
  );
}

export function InsightsPage({ params }: { params: Params }) {
  const slug = `${params.vcs}/${params.org}/${params.repo}`;
  const base = slug.split('/').map(encodeURIComponent).join('/');
  const workflows = useApi<Page<WorkflowMetrics>>(`/api/v2/insights/${base}/workflows?all-branches=true&reporting-window=${WINDOW}`);
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <>
      <div className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/pipelines/${slug}`}>{params.repo}</Link> / <span>Insights</span>
      </div>
      <div className="head">
        <div>
          <h1>Insights</h1>
          <span className="muted">Success rate and duration of workflows and jobs, last 90 days, all branches.</span>
        </div>
      </div>
      <QueryView query={workflows} what="Insights">
        {(page) => {
          if (page.items.length === 0) return <Empty title="No workflow has finished in this window yet." />;
          const current = selected ?? page.items[0].name;
          return (
            <>
              <section className="panel" aria-label="Workflows">
                <MetricsTable kind="Workflow" items={page.items} selected={current} onSelect={setSelected} />
              </section>
              <WorkflowInsights base={base} name={current} />
            </>
          );
        }}
      </QueryView>
    </>
  );
}
