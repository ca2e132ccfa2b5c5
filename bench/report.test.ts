import { figure, formatMarkdown, formatTable } from './report';

const base = { group: 'g', figure: 'f', unit: 'ms', slipway: 120, baseline: 100, baselineLabel: 'b' };

describe('bench figures', () => {
  it('carries target, ratio and a boolean pass when the figure has a target', () => {
    const f = figure({ ...base, target: '≤ 1.5x', pass: 120 / 100 <= 1.5 });
    expect(f).toMatchObject({ target: '≤ 1.5x', ratio: 1.2, pass: true });
  });

  it('carries pass: null, and a ratio, when the figure has no target', () => {
    expect(figure({ ...base, target: '-' })).toMatchObject({ target: '-', ratio: 1.2, pass: null });
    expect(figure({ ...base, target: '-', pass: null }).pass).toBeNull();
  });

  it('has ratio null without a baseline, and keeps an explicit ratio', () => {
    expect(figure({ ...base, baseline: null, target: '-' }).ratio).toBeNull();
    expect(figure({ ...base, baseline: 0, target: '-' }).ratio).toBeNull();
    expect(figure({ ...base, ratio: 0.25, target: '≤ 0.5', pass: true }).ratio).toBe(0.25);
  });

  it('refuses a target without a verdict and a verdict without a target, naming the figure', () => {
    expect(() => figure({ ...base, target: '≤ 4' })).toThrow(/"g: f" has target "≤ 4" but no pass\/fail/);
    expect(() => figure({ ...base, target: '≤ 4', pass: null })).toThrow(/no pass\/fail/);
    expect(() => figure({ ...base, target: '-', pass: false })).toThrow(/"g: f" has a pass\/fail but no target/);
  });

  it('prints pass, FAIL and - in the table and the Markdown', () => {
    const figures = [
      figure({ ...base, figure: 'a', target: '≤ 1.5x', pass: true }),
      figure({ ...base, figure: 'b', target: '≤ 1x', pass: false }),
      figure({ ...base, figure: 'c', target: '-', note: 'n' }),
    ];
    const rows = formatTable(figures).split('\n').slice(2);
    expect(rows.map((r) => r.trim().split(/\s+/).pop())).toEqual(['pass', 'FAIL', '-']);
    const md = formatMarkdown(figures, '# h');
    expect(md).toContain('| g: b | 120 ms | 100 ms (b) | 1.2x | ≤ 1x | FAIL |');
    expect(md).toContain('- **g: c**: n');
  });
});

describe('figure values', () => {
  it('keep two decimals, or three significant digits below 1', () => {
    const f = figure({ group: 'g', figure: 'f', unit: '$', slipway: 0.09481, baseline: 1234.5678, baselineLabel: 'b', target: '-' });
    expect([f.slipway, f.baseline]).toEqual([0.0948, 1234.57]);
  });
});
