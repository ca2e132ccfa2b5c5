import { round } from './stats';

/**
 * One line of the bench table. Every figure carries `target`, `ratio` and `pass`: `ratio` is Slipway ÷ baseline
 * (null without a baseline); a figure with a target (anything but `'-'`) has a boolean `pass`, one without a
 * target has `pass: null`.
 */
export interface Figure {
  group: string;
  figure: string;
  unit: string;
  slipway: number | null;
  baseline: number | null;
  /** What the baseline is, e.g. `tar czf + tar xzf`. */
  baselineLabel: string;
  ratio: number | null;
  /** What passes, e.g. `≤ 1.15x`; `'-'` when the figure is reported only. */
  target: string;
  pass: boolean | null;
  note?: string;
}

/** Two decimals, or three significant digits below 1 (a cost of $0.0948 per 1,000 jobs is not "0.09"). */
const roundValue = (n: number): number => (Number.isFinite(n) && n !== 0 && Math.abs(n) < 1 ? Number(n.toPrecision(3)) : round(n));

/** No target: the figure is reported, not judged. */
export const NO_TARGET = '-';

/**
 * A figure, its numbers rounded and its ratio computed. Throws when `pass` and `target` disagree: a figure with
 * a target must say whether it passed, and one without a target cannot pass or fail.
 */
export function figure(f: Omit<Figure, 'ratio' | 'pass'> & { ratio?: number | null; pass?: boolean | null }): Figure {
  const judged = f.target !== NO_TARGET;
  if (judged && typeof f.pass !== 'boolean') throw new Error(`bench figure "${f.group}: ${f.figure}" has target "${f.target}" but no pass/fail; compute pass.`);
  if (!judged && typeof f.pass === 'boolean') throw new Error(`bench figure "${f.group}: ${f.figure}" has a pass/fail but no target; give its target.`);
  const ratio = f.ratio !== undefined ? f.ratio : f.slipway !== null && f.baseline ? f.slipway / f.baseline : null;
  return {
    ...f,
    slipway: f.slipway === null ? null : roundValue(f.slipway),
    baseline: f.baseline === null ? null : roundValue(f.baseline),
    ratio: ratio === null ? null : round(ratio),
    pass: judged ? (f.pass as boolean) : null,
  };
}

const show = (n: number | null, unit: string) => (n === null ? 'n/a' : `${n.toLocaleString('en-US')} ${unit}`.trim());
const verdict = (f: Figure) => (f.pass === null ? '-' : f.pass ? 'pass' : 'FAIL');

/** The fixed-width table printed at the end of `slipway bench`. */
export function formatTable(figures: Figure[]): string {
  const rows = [['figure', 'Slipway', 'baseline', 'ratio', 'target', 'result']];
  for (const f of figures) {
    rows.push([
      `${f.group}: ${f.figure}`,
      show(f.slipway, f.unit),
      `${show(f.baseline, f.unit)} (${f.baselineLabel})`,
      f.ratio === null ? 'n/a' : `${f.ratio}x`,
      f.target,
      verdict(f),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The same as a Markdown table, with notes below it (docs/bench-results.md). */
export function formatMarkdown(figures: Figure[], header: string): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [header, '', '| figure | Slipway | baseline | ratio | target | result |', '|---|---|---|---|---|---|'];
  for (const f of figures) {
    lines.push(
      `| ${esc(`${f.group}: ${f.figure}`)} | ${esc(show(f.slipway, f.unit))} | ${esc(`${show(f.baseline, f.unit)} (${f.baselineLabel})`)} | ${f.ratio === null ? 'n/a' : `${f.ratio}x`} | ${esc(f.target)} | ${verdict(f)} |`,
    );
  }
  const notes = figures.filter((f) => f.note);
  if (notes.length) lines.push('', 'Notes:', '', ...notes.map((f) => `- **${f.group}: ${f.figure}**: ${f.note}`));
  return `${lines.join('\n')}\n`;
}
