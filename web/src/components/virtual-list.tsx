import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

interface Props<T> {
  items: T[];
  rowHeight: number;
  /** Height of the scroll viewport in px. */
  height: number;
  renderRow: (item: T, index: number, style: { top: number; height: number }) => ReactNode;
  /** Called when the viewport comes within a few rows of the end (load the next page). */
  onEndReached?: () => void;
  header?: ReactNode;
  headerHeight?: number;
  label: string;
}

const OVERSCAN = 6;

/**
 * A fixed-row-height virtual list: only the rows in view (plus a few) are in the DOM, so thousands of rows
 * render as fast as twenty. Rows must be focusable elements carrying `data-index`; ArrowUp/ArrowDown, Home
 * and End move focus between rows, scrolling as needed.
 */
export function VirtualList<T>({ items, rowHeight, height, renderRow, onEndReached, header, headerHeight = 0, label }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);

  useEffect(() => {
    if (onEndReached && items.length > 0 && last >= items.length - OVERSCAN) onEndReached();
  }, [last, items.length, onEndReached]);

  useEffect(() => {
    if (focusIndex === null) return;
    ref.current?.querySelector<HTMLElement>(`[data-index="${focusIndex}"]`)?.focus({ preventScroll: true });
  }, [focusIndex, first]);

  const moveTo = useCallback(
    (index: number) => {
      const el = ref.current;
      if (!el || items.length === 0) return;
      const i = Math.max(0, Math.min(items.length - 1, index));
      const top = i * rowHeight;
      const viewport = height - headerHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + viewport) el.scrollTop = top + rowHeight - viewport;
      setScrollTop(el.scrollTop);
      setFocusIndex(i);
    },
    [items.length, rowHeight, height, headerHeight],
  );

  const onKeyDown = (e: KeyboardEvent) => {
    const current = Number((document.activeElement as HTMLElement | null)?.dataset.index ?? -1);
    const page = Math.max(1, Math.floor((height - headerHeight) / rowHeight) - 1);
    const target = { ArrowDown: current + 1, ArrowUp: current - 1, PageDown: current + page, PageUp: current - page, Home: 0, End: items.length - 1 }[e.key];
    if (target === undefined) return;
    e.preventDefault();
    moveTo(target);
  };

  return (
    <div
      ref={ref}
      className="vlist"
      style={{ height }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
      onBlur={(e) => {
        // Focus left the list: stop restoring it to the keyboard-selected row while the list scrolls.
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setFocusIndex(null);
      }}
      role="list"
      aria-label={label}
      data-count={items.length}
    >
      {header}
      <div style={{ position: 'relative', height: items.length * rowHeight }}>
        {items.slice(first, last).map((item, k) => renderRow(item, first + k, { top: (first + k) * rowHeight, height: rowHeight }))}
      </div>
    </div>
  );
}
