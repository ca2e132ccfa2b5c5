/** A run of text with the SGR styles that apply to it. */
export interface AnsiSpan {
  text: string;
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

const BASIC = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

/** xterm 256-colour palette index → CSS colour (0-15 map to the theme's named colours). */
function color256(n: number): string {
  if (n < 8) return `var(--ansi-${BASIC[n]})`;
  if (n < 16) return `var(--ansi-bright-${BASIC[n - 8]})`;
  if (n < 232) {
    const i = n - 16;
    const c = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${c(Math.floor(i / 36))},${c(Math.floor(i / 6) % 6)},${c(i % 6)})`;
  }
  const g = 8 + (n - 232) * 10;
  return `rgb(${g},${g},${g})`;
}

// CSI sequences (colours, cursor moves, erase) and OSC sequences (titles, links).
const ESCAPES = /\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>]/g;

/**
 * Parses terminal output into lines of styled spans. SGR codes (16, 256 and 24-bit colours, bold, dim,
 * italic, underline, inverse-less resets) become styles; every other escape sequence is dropped. A carriage
 * return without a newline (progress bars) keeps only the text after it, as a terminal would show.
 */
export function parseAnsi(input: string): AnsiSpan[][] {
  const lines: AnsiSpan[][] = [];
  let line: AnsiSpan[] = [];
  let style: Omit<AnsiSpan, 'text'> = {};
  let atLineStart = true;
  const push = (text: string) => {
    if (!text) return;
    atLineStart = text.endsWith('\n');
    const parts = text.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) {
        lines.push(line);
        line = [];
      }
      if (part.endsWith('\r')) part = part.slice(0, -1);
      const cr = part.lastIndexOf('\r');
      if (cr >= 0) {
        line = [];
        part = part.slice(cr + 1);
      }
      if (part) line.push({ text: part, ...style });
    });
  };
  let last = 0;
  for (const m of input.matchAll(ESCAPES)) {
    push(input.slice(last, m.index));
    last = m.index! + m[0].length;
    if (m[2] === 'm') style = applySgr(style, m[1]);
  }
  push(input.slice(last));
  if (line.length || !atLineStart) lines.push(line);
  return lines;
}

function applySgr(current: Omit<AnsiSpan, 'text'>, params: string): Omit<AnsiSpan, 'text'> {
  const codes = (params === '' ? '0' : params).split(';').map((c) => Number(c || 0));
  const s = { ...current };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) for (const k of Object.keys(s)) delete (s as Record<string, unknown>)[k];
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) s.bold = s.dim = undefined;
    else if (c === 23) s.italic = undefined;
    else if (c === 24) s.underline = undefined;
    else if (c >= 30 && c <= 37) s.fg = `var(--ansi-${BASIC[c - 30]})`;
    else if (c >= 90 && c <= 97) s.fg = `var(--ansi-bright-${BASIC[c - 90]})`;
    else if (c >= 40 && c <= 47) s.bg = `var(--ansi-${BASIC[c - 40]})`;
    else if (c >= 100 && c <= 107) s.bg = `var(--ansi-bright-${BASIC[c - 100]})`;
    else if (c === 39) s.fg = undefined;
    else if (c === 49) s.bg = undefined;
    else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
      const v = color256(codes[i + 2] ?? 0);
      if (c === 38) s.fg = v;
      else s.bg = v;
      i += 2;
    } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
      const v = `rgb(${codes[i + 2] ?? 0},${codes[i + 3] ?? 0},${codes[i + 4] ?? 0})`;
      if (c === 38) s.fg = v;
      else s.bg = v;
      i += 4;
    }
  }
  return s;
}

/** Plain text without escape sequences (for search and raw-text fallbacks). */
export const stripAnsi = (input: string) => input.replace(ESCAPES, '');
