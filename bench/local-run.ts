import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slipwayRoot } from '../local/root';
import { figure, type Figure } from './report';
import { median } from './stats';

/** Runs the CLI in `cwd`; resolves when it exits (rejects on a non-zero exit, with its output). */
function cli(cwd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(slipwayRoot(), 'bin', 'slipway.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`slipway ${args.join(' ')} exited ${code}: ${out.slice(-2000)}`))));
  });
}

/**
 * `slipway run` to the first step of a no-op job: wall time from starting the command to the moment the job's
 * only step runs (it writes the clock to a file), in a fresh data folder each run. Baseline: `slipway plan` of
 * the same repository (CLI start, config read and compile, no runtime).
 */
export async function localRunFigures(runs: number): Promise<Figure[]> {
  const repo = mkdtempSync(join(tmpdir(), 'slipway-bench-run-'));
  const marker = join(repo, '..', `${repo.split('/').pop()}-first-step`);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], { cwd: repo });
  try {
    git('init', '--quiet', '--initial-branch=main');
    mkdirSync(join(repo, '.circleci'));
    writeFileSync(
      join(repo, '.circleci', 'config.yml'),
      `version: 2.1\njobs:\n  noop:\n    docker: [{ image: cimg/base:stable }]\n    steps: [{ run: "node -e 'require(\\"fs\\").writeFileSync(\\"${marker}\\", String(Date.now()))'" }]\nworkflows:\n  main:\n    jobs: [noop]\n`,
    );
    git('add', '-A');
    git('commit', '--quiet', '-m', 'bench');
    await cli(repo, ['plan']); // warm the CLI bundle
    const toFirstStep: number[] = [];
    const plan: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = Date.now();
      await cli(repo, ['plan']);
      plan.push(Date.now() - t);
      t = Date.now();
      await cli(repo, ['run', '--json']);
      toFirstStep.push(Number(readFileSync(marker, 'utf8')) - t);
    }
    const slipway = median(toFirstStep);
    const baseline = median(plan);
    return [
      figure({
        group: 'local run',
        figure: '`slipway run` to first step of a no-op job (p50)',
        unit: 'ms',
        slipway,
        baseline,
        baselineLabel: '`slipway plan` of the same repo',
        target: '-',
      }),
    ];
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(marker, { force: true });
  }
}
