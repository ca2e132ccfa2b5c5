import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { slipwayRoot } from './root';

const ROOT = slipwayRoot();

/** ssh2's optional native addons: left out of the bundle (ssh2 falls back to its JavaScript crypto). */
export const NATIVE_ADDONS = ['*.node'];

/**
 * The argv that starts the agent on this host. The agent is bundled once per start with esbuild (a fast,
 * single-file start for every job); without esbuild it runs from source through tsx.
 */
export async function agentCommand(dataDir: string): Promise<string[]> {
  const entry = join(ROOT, 'agent', 'main.ts');
  try {
    const esbuild = await import('esbuild');
    const outDir = join(dataDir, 'agent');
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, 'agent.cjs');
    await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile,
      logLevel: 'silent',
      sourcemap: 'inline',
      external: NATIVE_ADDONS,
    });
    return [process.execPath, '--enable-source-maps', outfile];
  } catch {
    const tsxCli = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    if (!existsSync(tsxCli)) throw new Error('Neither esbuild nor tsx is installed: run `npm ci`.');
    return [process.execPath, tsxCli, entry];
  }
}
