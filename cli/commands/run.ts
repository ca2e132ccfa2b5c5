import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseEnv } from 'node:util';
import { runLocally } from '../local-run/local-run';
import { replayJob } from '../local-run/replay';
import { secretsLoader } from '../local-run/secrets';
import { jsonView, liveView, plainView, type RunView } from '../local-run/view';
import { addEventOptions, findConfig, gitOutput, readEvent, UsageError, type EventOptions } from './event-options';

interface RunOptions extends EventOptions {
  workflow?: string[];
  job?: string[];
  env?: string[];
  envFile?: string;
  data?: string;
  approve?: string;
  json?: boolean;
  replay?: string;
  withSecrets?: boolean;
  secretsFrom?: string[];
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `--env K=V` (repeatable) over `--env-file F` (dotenv format). */
export function readEnv(pairs: string[] = [], file?: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--env-file ${file}: ${(e as Error).message}`);
    }
    Object.assign(env, parseEnv(text));
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${pair}: write --env NAME=value.`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new UsageError(`Environment variable name "${name}" is not valid: use letters, digits and _ (not starting with a digit).`);
  }
  return env;
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Adds `slipway run`: the working tree's config, end to end, on an embedded runtime. */
export function registerRunCommand(program: Command): void {
  addEventOptions(program.command('run').description("Run the workflows of this working tree (uncommitted changes included) locally, with the server's engine"))
    .option('--workflow <name>', 'run only this workflow (repeatable)', collect)
    .option('--job <name>', 'run only this job and the jobs it requires (repeatable)', collect)
    .option('--env <NAME=value>', 'project environment variable for the run (repeatable)', collect)
    .option('--env-file <file>', 'project environment variables from a dotenv file')
    .option(
      '--secrets-from <source>',
      'secrets for the run, masked in output (repeatable): a dotenv file, or a project slug on a Slipway server (gh/<org>/<repo>: its variables and the contexts the jobs name; organisation admins only; SLIPWAY_URL, SLIPWAY_TOKEN)',
      collect,
    )
    .option('--data <dir>', 'keep history and caches in this folder between runs (default: a new temporary folder)')
    .option('--approve <mode>', '`all` approves every approval job (default: ask on a terminal, else cancel)')
    .option('--json', 'print the result as JSON (no live view)')
    .option('--replay <job>', 'rerun a job of a Slipway server here: its URL or gh/<org>/<repo>/<job number> (SLIPWAY_URL, SLIPWAY_TOKEN)')
    .option('--with-secrets', 'with --replay: fetch environment variable values (organisation admins only)')
    .action(async (opts: RunOptions) => {
      try {
        if (opts.approve !== undefined && opts.approve !== 'all') throw new UsageError(`--approve ${opts.approve}: the only mode is --approve all.`);
        const write = (s: string) => void process.stdout.write(s);
        const secrets = secretsLoader(opts.secretsFrom ?? []);
        const view: RunView = opts.json ? jsonView(write) : process.stdout.isTTY ? await liveView(process.stdout) : plainView(write);
        if (opts.replay) {
          const replayed = await replayJob({ ref: opts.replay, withSecrets: Boolean(opts.withSecrets), dataDir: opts.data, view, secrets });
          view.finish(replayed);
          process.exitCode = replayed.exitCode;
          return;
        }
        const dir = process.cwd();
        if (!gitOutput(dir, ['rev-parse', '--show-toplevel']))
          throw new UsageError(`${dir} is not in a git working tree. Run \`slipway run\` inside your repository.`);
        const config = findConfig(gitOutput(dir, ['rev-parse', '--show-toplevel']) as string);
        const event = readEvent(opts, dir);
        const env = readEnv(opts.env, opts.envFile);
        const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !opts.json;
        const summary = await runLocally({
          dir,
          dataDir: opts.data,
          configFolder: config.folder,
          event,
          env,
          secrets,
          selection:
            opts.workflow || opts.job ? { ...(opts.workflow ? { workflows: opts.workflow } : {}), ...(opts.job ? { jobs: opts.job } : {}) } : undefined,
          approve: opts.approve === 'all' ? 'all' : interactive ? 'prompt' : 'none',
          ask: interactive ? ask : undefined,
          view,
        });
        view.finish(summary);
        process.exitCode = summary.exitCode;
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`${e.message}\n`);
        process.exitCode = 2;
      }
    });
}
