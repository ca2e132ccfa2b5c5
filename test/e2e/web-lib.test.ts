import { parseAnsi, stripAnsi } from '../../web/src/lib/ansi';
import { elapsed, formatDuration, timeAgo } from '../../web/src/lib/format';
import { isTerminal, pipelineStatus, tone } from '../../web/src/lib/status';

/** The web UI's pure helpers (the browser test covers the pages). */
describe('parseAnsi', () => {
  const text = (lines: ReturnType<typeof parseAnsi>) => lines.map((l) => l.map((s) => s.text).join(''));

  it('splits lines and styles runs with 16-colour SGR codes until a reset', () => {
    const lines = parseAnsi('\x1b[1;32mok\x1b[0m done\nnext\n');
    expect(text(lines)).toEqual(['ok done', 'next']);
    expect(lines[0][0]).toEqual({ text: 'ok', bold: true, fg: 'var(--ansi-green)' });
    expect(lines[0][1]).toEqual({ text: ' done' });
  });

  it('keeps a style across lines and supports 256-colour and 24-bit colours', () => {
    const lines = parseAnsi('\x1b[38;5;196mred\nstill red\x1b[39m \x1b[48;2;1;2;3mbg\x1b[m');
    expect(lines[1][0]).toEqual({ text: 'still red', fg: 'rgb(255,0,0)' });
    expect(lines[1][2]).toEqual({ text: 'bg', bg: 'rgb(1,2,3)' });
  });

  it('shows only what follows a carriage return (progress bars) and treats CRLF as a newline', () => {
    expect(text(parseAnsi('10%\r50%\r100%\nwindows\r\nend'))).toEqual(['100%', 'windows', 'end']);
  });

  it('drops cursor movement, erase and OSC sequences', () => {
    expect(text(parseAnsi('\x1b[2K\x1b[1Aline\x1b]0;title\x07 here'))).toEqual(['line here']);
    expect(stripAnsi('\x1b[31mred\x1b[0m')).toBe('red');
  });

  it('returns no lines for empty output', () => {
    expect(parseAnsi('')).toEqual([]);
  });
});

describe('status helpers', () => {
  it('rolls workflow statuses up into a pipeline status, worst first', () => {
    expect(pipelineStatus('created', ['success', 'failed', 'running'])).toBe('failed');
    expect(pipelineStatus('created', ['success', 'on_hold'])).toBe('on_hold');
    expect(pipelineStatus('created', ['success', 'success'])).toBe('success');
    expect(pipelineStatus('created', [])).toBe('not_run');
    expect(pipelineStatus('errored', undefined)).toBe('errored');
    expect(pipelineStatus('created', undefined)).toBe('loading');
  });

  it('knows terminal statuses and their tones', () => {
    expect(isTerminal('running')).toBe(false);
    expect(isTerminal('infrastructure_fail')).toBe(true);
    expect(tone('failing')).toBe('failed');
    expect(tone('on_hold')).toBe('hold');
  });
});

describe('format helpers', () => {
  it('formats durations and relative times', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(65_000)).toBe('1m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(formatDuration(null)).toBe('–');
    expect(elapsed('2026-01-01T00:00:00Z', '2026-01-01T00:00:05Z')).toBe(5000);
    expect(elapsed('2026-01-01T00:00:00Z', null, Date.parse('2026-01-01T00:01:00Z'))).toBe(60_000);
    expect(timeAgo('2026-01-01T00:00:00Z', Date.parse('2026-01-01T03:00:00Z'))).toBe('3h ago');
  });
});
