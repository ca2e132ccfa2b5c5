import type { Command } from 'commander';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { slipwayRoot } from '../../local/root';
import { SHUTDOWN_GRACE_MS, startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { ApiClient } from '../api-client';

const EXAMPLE_SLUG = 'gh/examples/hello';

/** Copies `examples/hello` into the data folder as a git repository (once). */
function prepareExampleRepo(dataDir: string): string {
  const dir = join(dataDir, 'repos', 'hello');
  if (!existsSync(join(dir, '.git'))) {
    mkdirSync(dir, { recursive: true });
    cpSync(join(slipwayRoot(), 'examples', 'hello'), dir, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Slipway', '-c', 'user.email=slipway@localhost', ...args], { cwd: dir, stdio: 'ignore' });
    git('init', '--quiet', '--initial-branch=main');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'Example project');
  }
  return dir;
}

/** Creates and triggers the example project on first start, then reports its jobs as they finish. */
async function runExample(rt: LocalRuntime, out: (l: string) => void): Promise<void> {
  const api = new ApiClient(rt.url, rt.adminToken);
  const repo = prepareExampleRepo(rt.dataDir);
  try {
    await api.request('POST', `/api/v2/project/${EXAMPLE_SLUG}`, { repo_url: pathToFileURL(repo).href, default_branch: 'main' });
  } catch (e) {
    if (/HTTP 409/.test((e as Error).message)) return; // not the first start
    throw e;
  }
  const p = await api.request<{ id: string; number: number }>('POST', `/api/v2/project/${EXAMPLE_SLUG}/pipeline`, { branch: 'main' });
  out(`Triggered the example pipeline ${EXAMPLE_SLUG} #${p.number}.`);
  const seen = new Set<string>();
  for (let i = 0; i < 600; i++) {
    const pipeline = await api.request<{ state: string; errors: Array<{ message: string }> }>('GET', `/api/v2/pipeline/${p.id}`);
    if (pipeline.state === 'errored') return out(`Example pipeline errored: ${pipeline.errors.map((e) => e.message).join('; ')}`);
    const wfs = await api.request<{ items: Array<{ id: string; name: string; status: string }> }>('GET', `/api/v2/pipeline/${p.id}/workflow`);
    for (const wf of wfs.items) {
      const jobs = await api.request<{ items: Array<{ name: string; status: string; job_number?: number }> }>('GET', `/api/v2/workflow/${wf.id}/job`);
      for (const j of jobs.items) {
        if (['success', 'failed', 'canceled', 'not_run', 'infrastructure_fail', 'timedout'].includes(j.status) && !seen.has(j.name)) {
          seen.add(j.name);
          out(
            `  ${j.status === 'success' ? '✔' : '✘'} ${wf.name}/${j.name}: ${j.status}${j.job_number ? `  (npx slipway logs ${EXAMPLE_SLUG} ${j.job_number})` : ''}`,
          );
        }
      }
      if (['success', 'failed', 'canceled', 'error', 'not_run'].includes(wf.status)) {
        return out(`Workflow ${wf.name}: ${wf.status}.`);
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The newcomer path (`npm ci && npm start`): build the web UI in the background the first time, so the URL
 * shows it without a separate step. The API works meanwhile; the page says the UI is not built yet.
 */
function buildWebUiOnce(url: string, out: (l: string) => void): void {
  const root = slipwayRoot();
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (existsSync(join(root, 'web', 'dist', 'index.html')) || !existsSync(vite)) {
    if (existsSync(join(root, 'web', 'dist', 'index.html'))) out(`  Web UI:     ${url}/`);
    return;
  }
  out('Building the web UI in the background (first start only)…');
  const child = spawn(process.execPath, [vite, 'build', '--config', join(root, 'web', 'vite.config.ts'), '--logLevel', 'error'], {
    cwd: root,
    stdio: 'ignore',
  });
  child.on('exit', (code) => out(code === 0 ? `Web UI ready at ${url}/` : `The web UI did not build (exit ${code}); run \`npm run build:web\` to see why.`));
}

/** Time after the grace period at which a stop that still has not finished exits anyway. */
const STOP_BACKSTOP_MS = 5_000;

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('Run Slipway locally: the API, the queues, the emulators and a host runner, in one process')
    .option('--port <port>', 'HTTP port', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'data folder (kept across restarts)', '.slipway')
    .option('--no-example', 'do not create and run the example project')
    .action(async (opts: { port: string; host: string; data: string; example: boolean }) => {
      const out = (l: string) => process.stdout.write(`${l}\n`);
      const graceMs = process.env.SLIPWAY_SHUTDOWN_GRACE_SECONDS ? Number(process.env.SLIPWAY_SHUTDOWN_GRACE_SECONDS) * 1000 : SHUTDOWN_GRACE_MS;
      const rt = await startLocalRuntime({
        port: Number(opts.port),
        host: opts.host,
        dataDir: opts.data,
        adminToken: process.env.SLIPWAY_TOKEN,
        // Tests and impatient operators shorten the agent lease and the cron period.
        leaseSeconds: process.env.SLIPWAY_LEASE_SECONDS ? Number(process.env.SLIPWAY_LEASE_SECONDS) : undefined,
        cronIntervalSeconds: process.env.SLIPWAY_CRON_SECONDS ? Number(process.env.SLIPWAY_CRON_SECONDS) : undefined,
        shutdownGraceMs: graceMs,
        log: out,
      });
      out(`Slipway is running at ${rt.url}`);
      out(`  API token:  ${rt.adminToken}`);
      out(`  Data:       ${rt.dataDir}`);
      out(`  Try:        export SLIPWAY_URL=${rt.url} SLIPWAY_TOKEN=${rt.adminToken}`);
      out(`              curl -H "Circle-Token: $SLIPWAY_TOKEN" $SLIPWAY_URL/api/v2/project/${EXAMPLE_SLUG}/pipeline`);
      out(`              npx slipway trigger ${EXAMPLE_SLUG}`);
      out(`Ready.`);
      let stopping = false;
      const stop = async () => {
        // A second signal while stopping: exit at once.
        if (stopping) process.exit(130);
        stopping = true;
        out('Stopping…');
        // Whatever else hangs (an emulator, a socket), the process ends shortly after the grace period.
        setTimeout(() => {
          out(`Stopping took longer than ${(graceMs + STOP_BACKSTOP_MS) / 1000} s; exiting anyway.`);
          process.exit(1);
        }, graceMs + STOP_BACKSTOP_MS);
        await rt.stop();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      if (opts.example) {
        buildWebUiOnce(rt.url, out);
        await runExample(rt, out).catch((e: Error) => out(`Example project: ${e.message}`));
      }
    });
}
