import { useEffect, useState } from 'react';

/** The window's inner height minus `offset` (never below `min`), updated on resize. */
export function useViewportHeight(offset: number, min = 320): number {
  const [h, setH] = useState(() => window.innerHeight);
  useEffect(() => {
    const onResize = () => setH(window.innerHeight);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return Math.max(min, h - offset);
}
