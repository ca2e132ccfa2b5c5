import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCaseResult } from '../shared/model/job-spec';
import { ControlPlaneClient } from './client';
import { glob } from './glob';
import { splitItems, timingsFor, type SplitBy, type TimingsType } from './split';

/** What the in-job `circleci` command needs from its task: written by the agent into the task-data folder. */
export interface TaskDataConfig {
  url: string;
  token: string;
}

export const TASK_CONFIG_FILE = 'agent.json';
export const HALT_FILE = 'halt';

/** What the `circleci` command works with: on the host its own process; for a container, a forwarded request. */
export interface CircleciIo {
  env: Record<string, string | undefined>;
  /** The directory relative paths (globs, test files) are resolved against; may throw when it is not reachable. */
  cwd: string;
  stdin: () => Promise<string>;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Stored results of the previous run of this job (for `--split-by=timings`). */
  timings?: () => Promise<TestCaseResult[]>;
  /**
   * Runs `tests run`'s command with the node's tests on its standard input and resolves its exit code (default:
   * `/bin/sh -c` here, in `cwd` with `env`; for a container the client runs it there).
   */
  run?: (command: string, input: string) => Promise<number>;
  /** A fresh OIDC token from the control plane (`run oidc get`), with the requested claims. */
  oidcToken?: (claims?: unknown) => Promise<string>;
}

const runHere = (io: CircleciIo) => (command: string, input: string) =>
  new Promise<number>((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd: io.cwd, env: io.env as NodeJS.ProcessEnv, stdio: ['pipe', 'inherit', 'inherit'] });
    child.stdin!.end(input);
    child.on('close', (code) => resolve(code ?? 1));
  });

function flags(args: string[]): { values: Record<string, string>; rest: string[] } {
  const values: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m) rest.push(args[i]);
    else if (m[2] !== undefined) values[m[1]] = m[2];
    else if (['verbose', 'help'].includes(m[1])) values[m[1]] = 'true';
    else values[m[1]] = args[++i] ?? '';
  }
  return { values, rest };
}

const items = (text: string) => text.split(/\s+/).filter(Boolean);

async function selectTests(io: CircleciIo, opts: Record<string, string>, input: string[]): Promise<string[]> {
  const by = (opts['split-by'] ?? 'name') as SplitBy;
  if (!['name', 'filesize', 'timings'].includes(by)) throw new Error(`--split-by must be name, filesize or timings (got "${by}")`);
  const index = Number(opts.index ?? io.env.CIRCLE_NODE_INDEX ?? 0);
  const total = Number(opts.total ?? io.env.CIRCLE_NODE_TOTAL ?? 1);
  if (!(total >= 1) || !(index >= 0 && index < total)) throw new Error(`Invalid node index ${index} of ${total}.`);
  let weights: Map<string, number> | undefined;
  if (by === 'filesize') {
    weights = new Map(
      input.map((f) => {
        try {
          return [f, statSync(join(io.cwd, f)).size] as const;
        } catch {
          return [f, 0] as const;
        }
      }),
    );
  } else if (by === 'timings') {
    const tests = io.timings ? await io.timings() : [];
    weights = timingsFor(input, tests, (opts['timings-type'] ?? 'filename') as TimingsType);
    if (weights.size === 0) io.err('No timing found for these tests; splitting by name instead.\n');
    else if (weights.size < new Set(input).size) io.err(`No timing found for ${new Set(input).size - weights.size} of the tests; they count as the average.\n`);
  }
  return splitItems(input, index, total, weights);
}

function subst(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => env[a ?? b] ?? '');
}

const USAGE = 'Usage: circleci tests glob|split|run, circleci step halt, circleci env subst, circleci run oidc get [--claims JSON]';

function parseClaims(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`--claims is not JSON (${(e as Error).message}); e.g. --claims '{"aud": "sts.amazonaws.com"}'`);
  }
}

/**
 * The in-job `circleci` command (CircleCI's local agent commands): `tests glob PATTERN...`,
 * `tests split [--split-by=name|filesize|timings] [--timings-type=...]` (items from arguments or stdin),
 * `tests run --command=CMD [split flags]` (the node's tests on the command's stdin), `step halt`,
 * `env subst [TEXT]`. Resolves the exit code.
 */
export async function circleciCommand(argv: string[], io: CircleciIo): Promise<number> {
  const [group, cmd, ...args] = argv;
  const { values, rest } = flags(args);
  try {
    if (group === 'tests' && cmd === 'glob') {
      if (!rest.length) throw new Error('circleci tests glob needs at least one pattern, e.g. "src/**/*.test.js"');
      for (const f of glob(rest, io.cwd)) io.out(`${f}\n`);
      return 0;
    }
    if (group === 'tests' && cmd === 'split') {
      const input = rest.length ? rest.flatMap((f) => items(readFileSync(join(io.cwd, f), 'utf8'))) : items(await io.stdin());
      const mine = await selectTests(io, values, input);
      io.out(mine.length ? `${mine.join('\n')}\n` : '');
      return 0;
    }
    if (group === 'tests' && cmd === 'run') {
      if (!values.command) throw new Error('circleci tests run needs --command, e.g. --command="xargs npm test --"');
      const mine = await selectTests(io, values, items(await io.stdin()));
      if (values.verbose) io.err(`Running ${mine.length} tests: ${mine.join(' ')}\n`);
      return await (io.run ?? runHere(io))(values.command, mine.join('\n') + (mine.length ? '\n' : ''));
    }
    if (group === 'step' && cmd === 'halt') {
      const dir = io.env.CIRCLE_INTERNAL_TASK_DATA;
      if (!dir) throw new Error('circleci step halt works only inside a job.');
      writeFileSync(join(dir, HALT_FILE), '');
      io.out('The job will stop (successfully) after this step.\n');
      return 0;
    }
    if (group === 'run' && cmd === 'oidc' && rest[0] === 'get') {
      if (!io.oidcToken) throw new Error('circleci run oidc get works only inside a job.');
      io.out(`${await io.oidcToken(parseClaims(values.claims))}\n`);
      return 0;
    }
    if (group === 'env' && cmd === 'subst') {
      io.out(subst(rest.length ? rest.join(' ') : await io.stdin(), io.env));
      return 0;
    }
    io.err(`Unknown command: circleci ${argv.join(' ')}\n${USAGE}\n`);
    return 2;
  } catch (e) {
    io.err(`circleci: ${(e as Error).message}\n`);
    return 1;
  }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Writes the host's in-job `circleci` command into `binDir`: a POSIX sh script calling back into the agent (`command`). */
export function writeCircleciCommand(binDir: string, command: string[]): void {
  const file = join(binDir, 'circleci');
  writeFileSync(file, `#!/bin/sh\nexec ${command.map(quote).join(' ')} circleci "$@"\n`);
  chmodSync(file, 0o755);
}

/** Runs the `circleci` command in this process, reading the task's agent config for timings. */
export async function circleciMain(argv: string[]): Promise<number> {
  const env = process.env as Record<string, string | undefined>;
  const readStdin = async () => {
    if (process.stdin.isTTY) return '';
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text;
  };
  // The task's control-plane client, from the config the agent left in the task-data folder.
  const taskClient = async () => {
    const dir = env.CIRCLE_INTERNAL_TASK_DATA;
    if (!dir) throw new Error('this command works only inside a job.');
    const cfg = JSON.parse(readFileSync(join(dir, TASK_CONFIG_FILE), 'utf8')) as TaskDataConfig;
    return new ControlPlaneClient(cfg.url, cfg.token);
  };
  return circleciCommand(argv, {
    env,
    cwd: process.cwd(),
    stdin: readStdin,
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    timings: async () => (env.CIRCLE_INTERNAL_TASK_DATA ? (await taskClient()).timings().then((t) => t.tests) : []),
    oidcToken: async (claims) => (await taskClient()).oidcToken(claims),
  });
}
