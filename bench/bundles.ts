import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { slipwayRoot } from '../local/root';
import { figure, type Figure } from './report';
import { median, pairedRatio, repeat } from './stats';
import { benchTmp } from './standalone';

/**
 * The CDK's NodejsFunction settings, as assumed here: bundle, minify, CommonJS, target node22/es2022, every
 * dependency inlined except `@aws-sdk/*` (provided by the Lambda Node.js 22 runtime) and `nodemailer` (local mode only).
 */
async function bundle(entry: string | { contents: string }, outfile: string): Promise<number> {
  const esbuild = await import('esbuild');
  const root = slipwayRoot();
  await esbuild.build({
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: { contents: entry.contents, resolveDir: root, loader: 'ts' } }),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: ['node22', 'es2022'],
    external: ['@aws-sdk/*', 'nodemailer'],
    outfile,
    logLevel: 'silent',
  });
  return statSync(outfile).size;
}

/** Milliseconds to `require` a bundle (module initialisation) in a fresh Node process, and the process's own start. */
function coldLoad(file: string): { loadMs: number; startMs: number } {
  const script = `const t=performance.now();require(${JSON.stringify(file)});process.stdout.write(JSON.stringify({loadMs:performance.now()-t,startMs:t}))`;
  // NODE_PATH: the bundles sit under /tmp; @aws-sdk/* resolves from the checkout, as the Lambda runtime provides it.
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: join(slipwayRoot(), 'node_modules'), AWS_REGION: 'us-east-1', NODE_OPTIONS: '' },
  });
  if (r.status !== 0) throw new Error(`cold load of ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Bundle size and cold load time of every `functions/<name>/handler.ts`. */
export async function bundleFigures(runs: number): Promise<Figure[]> {
  const root = slipwayRoot();
  const dir = benchTmp('bundles');
  try {
    const floorFile = join(dir, 'floor.cjs');
    // The floor: a handler with only the framework every function uses (middy + Powertools logger).
    const floorBytes = await bundle(
      {
        contents: `import middy from '@middy/core'; import { Logger } from '@aws-lambda-powertools/logger'; const logger = new Logger(); export const handler = middy(async () => { logger.info('x'); return {}; });`,
      },
      floorFile,
    );
    const out: Figure[] = [];
    const names = readdirSync(join(root, 'functions'))
      .filter((n) => existsSync(join(root, 'functions', n, 'handler.ts')))
      .sort();
    for (const name of names) {
      const file = join(dir, `${name}.cjs`);
      const bytes = await bundle(join(root, 'functions', name, 'handler.ts'), file);
      const pairs = await repeat(runs, 1, async () => [coldLoad(file), coldLoad(floorFile)] as const);
      const loads = pairs.map(([a]) => a.loadMs);
      out.push(
        figure({
          group: 'lambda bundle',
          figure: `${name} size`,
          unit: 'KB',
          slipway: bytes / 1024,
          baseline: floorBytes / 1024,
          baselineLabel: 'middy + logger only',
          target: '≤ 1,536 KB',
          pass: bytes <= 1.5 * 1024 * 1024,
        }),
        figure({
          group: 'lambda bundle',
          figure: `${name} cold load`,
          unit: 'ms',
          slipway: median(loads),
          baseline: median(pairs.map(([, b]) => b.loadMs)),
          baselineLabel: 'middy + logger only',
          ratio: pairedRatio(pairs.map(([a, b]) => [a.loadMs, b.loadMs])),
          target: '≤ 400 ms',
          pass: median(loads) <= 400,
          note:
            name === names[0]
              ? `require() time in a fresh Node ${process.version} process (Node itself starts in ~${Math.round(median(pairs.map(([a]) => a.startMs)))} ms more); median of ${runs} after a warm-up. Bundled as the CDK does: esbuild bundle + minify, CJS, node22/es2022, only @aws-sdk/* external (the Lambda runtime provides it; it is loaded from node_modules here).`
              : undefined,
        }),
      );
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
