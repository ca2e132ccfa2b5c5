export interface ChartPoint {
  t: number;
  y: number;
  tone?: string;
}

const WIDTH = 600;
const HEIGHT = 160;
const PAD = { l: 56, r: 10, t: 10, b: 22 };

/** A small SVG time-series chart: a line through the points, dots coloured by tone, min/max labels. */
export function LineChart({ points, label, format, yMax }: { points: ChartPoint[]; label: string; format: (y: number) => string; yMax?: number }) {
  if (points.length === 0) return <div className="state">No data for {label.toLowerCase()} yet.</div>;
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const t0 = sorted[0].t;
  const t1 = Math.max(t0 + 1, sorted[sorted.length - 1].t);
  const top = yMax ?? Math.max(1, ...sorted.map((p) => p.y));
  const x = (t: number) => PAD.l + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.l - PAD.r);
  const y = (v: number) => HEIGHT - PAD.b - (v / top) * (HEIGHT - PAD.t - PAD.b);
  const d = sorted.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
  return (
    <figure style={{ margin: 0 }}>
      <figcaption className="muted">{label}</figcaption>
      <svg
        className="chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-label={`${label}: ${sorted.length} points, latest ${format(sorted[sorted.length - 1].y)}`}
      >
        <line className="axis" x1={PAD.l} x2={WIDTH - PAD.r} y1={HEIGHT - PAD.b} y2={HEIGHT - PAD.b} />
        <line className="axis" x1={PAD.l} x2={PAD.l} y1={PAD.t} y2={HEIGHT - PAD.b} />
        <text x={PAD.l - 6} y={PAD.t + 8} textAnchor="end">
          {format(top)}
        </text>
        <text x={PAD.l - 6} y={HEIGHT - PAD.b} textAnchor="end">
          {format(0)}
        </text>
        <text x={PAD.l} y={HEIGHT - 6}>
          {new Date(t0).toLocaleDateString()}
        </text>
        <text x={WIDTH - PAD.r} y={HEIGHT - 6} textAnchor="end">
          {new Date(t1).toLocaleDateString()}
        </text>
        {sorted.length > 1 && <path className="line" d={d} />}
        {sorted.map((p, i) => (
          <circle key={i} cx={x(p.t)} cy={y(p.y)} r={3} fill={`var(--${p.tone ?? 'accent'})`} />
        ))}
      </svg>
    </figure>
  );
}
