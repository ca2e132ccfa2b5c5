import { Link } from 'wouter';
import type { WorkflowJob } from '../api/types';
import { elapsed, formatDuration } from '../lib/format';
import { statusLabel, tone } from '../lib/status';

const W = 220;
const H = 40;
const COL_GAP = 64;
const ROW_GAP = 14;
const PAD = 4;

interface Placed {
  job: WorkflowJob;
  col: number;
  row: number;
}

/** Columns by dependency depth; rows ordered by their parents' rows to keep edges short and uncrossed. */
export function layoutJobs(jobs: WorkflowJob[]): Placed[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const depth = new Map<string, number>();
  const depthOf = (j: WorkflowJob, seen: Set<string>): number => {
    const known = depth.get(j.id);
    if (known !== undefined) return known;
    if (seen.has(j.id)) return 0;
    seen.add(j.id);
    const deps = j.dependencies.map((d) => byId.get(d)).filter((d): d is WorkflowJob => !!d);
    const d = deps.length ? 1 + Math.max(...deps.map((p) => depthOf(p, seen))) : 0;
    depth.set(j.id, d);
    return d;
  };
  const columns: WorkflowJob[][] = [];
  for (const j of jobs) (columns[depthOf(j, new Set())] ??= []).push(j);
  const rowOf = new Map<string, number>();
  const placed: Placed[] = [];
  columns.forEach((col, c) => {
    const key = (j: WorkflowJob) => {
      const rows = j.dependencies.map((d) => rowOf.get(d)).filter((r): r is number => r !== undefined);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : 0;
    };
    const ordered = c === 0 ? col : [...col].sort((a, b) => key(a) - key(b));
    ordered.forEach((job, row) => {
      rowOf.set(job.id, row);
      placed.push({ job, col: c, row });
    });
  });
  return placed;
}

interface Props {
  jobs: WorkflowJob[];
  jobHref: (job: WorkflowJob) => string | null;
  onApprove?: (job: WorkflowJob) => void;
  approving?: string | null;
}

/** A workflow drawn as a graph of its jobs: one column per dependency depth, SVG edges between them. */
export function WorkflowGraph({ jobs, jobHref, onApprove, approving }: Props) {
  const placed = layoutJobs(jobs);
  const pos = new Map(placed.map((p) => [p.job.id, { x: PAD + p.col * (W + COL_GAP), y: PAD + p.row * (H + ROW_GAP) }]));
  const width = PAD * 2 + (Math.max(0, ...placed.map((p) => p.col)) + 1) * (W + COL_GAP) - COL_GAP;
  const height = PAD * 2 + (Math.max(0, ...placed.map((p) => p.row)) + 1) * (H + ROW_GAP) - ROW_GAP;
  const edges: string[] = [];
  for (const { job } of placed) {
    const to = pos.get(job.id)!;
    for (const dep of job.dependencies) {
      const from = pos.get(dep);
      if (!from) continue;
      const x1 = from.x + W;
      const y1 = from.y + H / 2;
      const x2 = to.x;
      const y2 = to.y + H / 2;
      edges.push(`M${x1},${y1} C${x1 + COL_GAP / 2},${y1} ${x2 - COL_GAP / 2},${y2} ${x2},${y2}`);
    }
  }
  return (
    <div className="graph" role="group" aria-label="Workflow jobs">
      <div style={{ position: 'relative', width, height }}>
        <svg width={width} height={height} aria-hidden="true">
          {edges.map((d) => (
            <path key={d} d={d} />
          ))}
        </svg>
        {placed.map(({ job }) => {
          const p = pos.get(job.id)!;
          const href = jobHref(job);
          const duration = elapsed(job.started_at, job.stopped_at);
          return (
            <div
              key={job.id}
              className={`node tone-${tone(job.status)}`}
              style={{ left: p.x, top: p.y, width: W, height: H }}
              data-job={job.name}
              data-status={job.status}
            >
              <span
                className={`badge tone-${tone(job.status)}`}
                title={statusLabel(job.status)}
                aria-label={statusLabel(job.status)}
                style={{ padding: 0, background: 'none' }}
              />
              {href ? (
                <Link href={href} className="name">
                  {job.name}
                </Link>
              ) : (
                <span className="name">{job.name}</span>
              )}
              {job.type === 'approval' && job.status === 'on_hold' && onApprove ? (
                <button className="small primary" onClick={() => onApprove(job)} disabled={approving === job.id} aria-label={`Approve ${job.name}`}>
                  {approving === job.id ? 'Approving…' : 'Approve'}
                </button>
              ) : (
                <span className="time">
                  {job.type === 'approval' && job.status === 'success' ? 'Approved' : job.started_at ? formatDuration(duration) : statusLabel(job.status)}
                </span>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
