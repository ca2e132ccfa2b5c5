import { benchCache, benchLogStreaming } from './bench';

describe('bench', () => {
  it('measures cache save/restore side by side with tar | zstd and tar czf on a small tree', async () => {
    const r = await benchCache({ files: 200, megabytes: 1 });
    expect(r.slipwayMs).toBeGreaterThan(0);
    expect(r.baselineMs).toBeGreaterThan(0);
    expect(r.gzipMs).toBeGreaterThan(0);
    expect(r.archiveBytes).toBeGreaterThan(0);
    expect(r.archiveBytes).toBeLessThan(r.treeBytes);
    expect(r.restoredIntact).toBe(true);
  });

  it('streams every printed byte of a step to storage', async () => {
    const r = await benchLogStreaming({ megabytes: 2 });
    expect(r.printedBytes).toBe(2 * 1024 * 1024 + Math.floor((2 * 1024 * 1024) / 99));
    expect(r.storedBytes).toBe(r.printedBytes);
    expect(r.minimalAgentMs).toBeGreaterThan(0);
    expect(r.baselineMs).toBeGreaterThan(0);
  });
});
