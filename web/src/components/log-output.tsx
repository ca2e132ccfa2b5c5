import { useLayoutEffect, useMemo, useRef, type CSSProperties, type ReactNode } from 'react';
import { parseAnsi, type AnsiSpan } from '../lib/ansi';

/** Lines beyond this are not drawn (the raw download has everything). */
export const MAX_RENDERED_LINES = 5000;

function spanStyle(s: AnsiSpan): CSSProperties | undefined {
  if (!s.fg && !s.bg && !s.bold && !s.dim && !s.italic && !s.underline) return undefined;
  return {
    color: s.fg,
    background: s.bg,
    fontWeight: s.bold ? 700 : undefined,
    opacity: s.dim ? 0.7 : undefined,
    fontStyle: s.italic ? 'italic' : undefined,
    textDecoration: s.underline ? 'underline' : undefined,
  };
}

function highlight(text: string, needle: string): ReactNode {
  if (!needle) return text;
  const lower = text.toLowerCase();
  const out: ReactNode[] = [];
  let from = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
    out.push(text.slice(from, i), <mark key={i}>{text.slice(i, i + needle.length)}</mark>);
    from = i + needle.length;
  }
  out.push(text.slice(from));
  return out;
}

/**
 * Terminal output with ANSI colours, line numbers and search (only matching lines are shown, matches
 * marked). While `live`, the view sticks to the bottom as lines arrive unless the reader scrolled up.
 */
export function LogOutput({ text, search, live }: { text: string; search: string; live: boolean }) {
  const lines = useMemo(() => parseAnsi(text), [text]);
  const needle = search.trim().toLowerCase();
  const { shown, hidden } = useMemo(() => {
    const numbered = lines.map((spans, i) => ({ spans, no: i + 1 }));
    const matching = needle
      ? numbered.filter((l) =>
          l.spans
            .map((s) => s.text)
            .join('')
            .toLowerCase()
            .includes(needle),
        )
      : numbered;
    return { shown: matching.slice(-MAX_RENDERED_LINES), hidden: Math.max(0, matching.length - MAX_RENDERED_LINES) };
  }, [lines, needle]);
  const ref = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && live && stick.current) el.scrollTop = el.scrollHeight;
  }, [shown, live]);
  return (
    <pre
      ref={ref}
      className="log"
      aria-live={live ? 'polite' : undefined}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {hidden > 0 && <div className="ln muted">… {hidden} earlier lines not shown; download the raw log for everything.</div>}
      {shown.length === 0 && <div className="ln muted">{needle ? 'No line matches the search.' : live ? 'Waiting for output…' : 'No output.'}</div>}
      {shown.map(({ spans, no }) => (
        <div className="ln" key={no}>
          <span className="no">{no}</span>
          <span>
            {spans.map((s, i) => (
              <span key={i} style={spanStyle(s)}>
                {highlight(s.text, needle)}
              </span>
            ))}
          </span>
        </div>
      ))}
    </pre>
  );
}
