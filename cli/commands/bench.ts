import type { Command } from 'commander';
import { FIGURES, runBench, type FigureName } from '../../bench/run';

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('Measure Slipway against its targets (DESIGN.md §8) and baselines, side by side')
    .option('--quick', 'smaller sizes (a few minutes instead of the full run)')
    .option('--only <figures>', `comma-separated subset of: ${FIGURES.join(', ')}`)
    .option('--json <file>', 'also write the figures as JSON')
    .option('--markdown', 'also write docs/bench-results.md')
    .action(async (opts: { quick?: boolean; only?: string; json?: string; markdown?: boolean }) => {
      const only = opts.only ? opts.only.split(',').map((s) => s.trim()) : undefined;
      const unknown = only?.filter((f) => !(FIGURES as readonly string[]).includes(f)) ?? [];
      if (unknown.length) throw new Error(`Unknown figure ${unknown.join(', ')}. Choose from: ${FIGURES.join(', ')}.`);
      await runBench({ quick: opts.quick, only: only as FigureName[] | undefined, json: opts.json, markdown: opts.markdown });
      // Host agents and emulator sockets may hold the event loop; the figures are printed and written.
      process.exit(0);
    });
}
