import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { TestCaseResult } from '../shared/model/job-spec';
import { circleciCommand, writeCircleciCommand } from './circleci-command';
import { CIRCLECI_REQUESTS_DIR, writeCircleciClient } from './container/circleci-client';
import type { StepExecutor } from './executors/executor';

const ANSI_C: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/**
 * The variables of `export -p` output, as the shells print it: `export NAME='v'` (dash, busybox ash, mksh, with
 * `'\''` for quotes), `export NAME="v"` (bash as sh, backslash before `"$\``), `declare -x NAME="v"` (bash),
 * `$'...'` (ksh, zsh); values may span lines. Exported but unset names (`export NAME`) are left out.
 */
export function parseExportedEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  let i = 0;
  const word = (): string => {
    let s = '';
    while (i < text.length && !' \t\n'.includes(text[i])) {
      const c = text[i];
      if (c === "'") {
        const end = text.indexOf("'", i + 1);
        s += text.slice(i + 1, end < 0 ? text.length : end);
        i = end < 0 ? text.length : end + 1;
      } else if (c === '$' && text[i + 1] === "'") {
        // Escapes may spell the bytes of a UTF-8 character one by one (bash: \303\251 for é).
        const bytes: number[] = [];
        const add = (t: string) => bytes.push(...Buffer.from(t));
        for (i += 2; i < text.length && text[i] !== "'"; i++) {
          const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1))?.[0];
          const hex = /^x([0-9a-fA-F]{1,2})/.exec(text.slice(i + 1))?.[1];
          if (text[i] !== '\\') {
            const cp = text.codePointAt(i)!;
            add(String.fromCodePoint(cp));
            if (cp > 0xffff) i++;
          } else if (oct) {
            bytes.push(parseInt(oct, 8) & 0xff);
            i += oct.length;
          } else if (hex) {
            bytes.push(parseInt(hex, 16));
            i += 1 + hex.length;
          } else add(ANSI_C[text[++i]] ?? `\\${text[i]}`);
        }
        s += Buffer.from(bytes).toString('utf8');
        i++;
      } else if (c === '"') {
        for (i++; i < text.length && text[i] !== '"'; i++) {
          if (text[i] === '\\' && '$`"\\\n'.includes(text[i + 1] ?? '')) {
            if (text[++i] !== '\n') s += text[i];
          } else s += text[i];
        }
        i++;
      } else if (c === '\\') {
        if (text[i + 1] !== '\n') s += text[i + 1] ?? '';
        i += 2;
      } else {
        s += c;
        i++;
      }
    }
    return s;
  };
  while (i < text.length) {
    const words: string[] = [];
    while (i < text.length && text[i] !== '\n') {
      if (text[i] === ' ' || text[i] === '\t') i++;
      else words.push(word());
    }
    i++;
    if (!['export', 'declare', 'typeset'].includes(words[0])) continue;
    for (const w of words.slice(1)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(w);
      if (m) env[m[1]] = w.slice(m[0].length);
    }
  }
  return env;
}

export interface CircleciServerOptions {
  /** The task-data folder: requests arrive in its `requests` folder; `step halt` leaves its mark in it. */
  taskData: string;
  /**
   * Agent folders the steps see at the same paths (the task folder on Fargate's shared volume; the docker
   * executor's bind mounts). A request's working directory, and absolute glob patterns, must lie inside one:
   * only there does the agent see the files the step sees.
   */
  sharedRoots: string[];
  /** Stored results of the previous run of this job (for `--split-by=timings`). */
  timings?: () => Promise<TestCaseResult[]>;
  /** A fresh OIDC token for `circleci run oidc get`. */
  oidcToken?: (claims?: unknown) => Promise<string>;
  pollMs?: number;
}

/** A request the agent will not answer (it names files the agent does not see as the step does). */
class RefusedError extends Error {}

const inside = (root: string, path: string) => {
  const r = posix.relative(posix.normalize(root), posix.normalize(path));
  return r === '' || (!r.startsWith('../') && r !== '..' && !posix.isAbsolute(r));
};

/**
 * Serves the container client's requests (see `agent/container/circleci-client.ts`) with the agent's own
 * `circleci` command implementation, so a step in the user's image gets the same answers as on the host. Polls
 * the requests folder; requests are answered concurrently, each exactly once.
 */
export class CircleciRequestServer {
  readonly dir: string;
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly options: CircleciServerOptions) {
    this.dir = join(options.taskData, CIRCLECI_REQUESTS_DIR);
  }

  /** Creates the requests folder (private to this user) and starts answering. */
  start(): this {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    this.timer = setInterval(() => this.scan(), this.options.pollMs ?? 50);
    return this;
  }

  /** Stops watching and waits for the answers in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.inFlight.values());
  }

  private scan(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    const done = new Set(names.filter((n) => n.endsWith('.done')).map((n) => n.slice(0, -5)));
    for (const id of done) if (!this.inFlight.has(id)) this.remove(id);
    for (const name of names) {
      const id = name.slice(0, -4);
      if (!name.endsWith('.req') || done.has(id) || this.inFlight.has(id)) continue;
      // A request whose folder vanished (the task ending) has no one left to answer.
      this.inFlight.set(
        id,
        this.answer(id)
          .catch(() => undefined)
          .finally(() => this.inFlight.delete(id)),
      );
    }
  }

  private remove(id: string): void {
    for (const suffix of ['.req', '.res', '.res.tmp', '.done']) rmSync(join(this.dir, id + suffix), { recursive: true, force: true });
  }

  /** Why the agent cannot see what the step sees at `path` (undefined: it lies in a folder both see at the same path). */
  private notShared(path: string, what: string): string | undefined {
    if (this.options.sharedRoots.some((root) => inside(root, path))) return undefined;
    return `${what} ${path} is not shared with the Slipway agent, which sees the step's files only under ${this.options.sharedRoots.join(', ')}; use the project directory (or another folder under those).`;
  }

  private async answer(id: string): Promise<void> {
    const req = join(this.dir, `${id}.req`);
    const res = join(this.dir, `${id}.res.tmp`);
    let out = '';
    let err = '';
    let run: { command: string; input: string } | undefined;
    let code: number;
    try {
      const read = (f: string) => readFileSync(join(req, f), 'utf8');
      const line = (f: string) => read(f).replace(/\n$/, '');
      const argv = Array.from({ length: Number(read('argc')) }, (_, n) => line(`arg.${n}`));
      const cwd = line('cwd');
      const stdin = existsSync(join(req, 'stdin')) ? read('stdin') : '';
      const env = parseExportedEnv(read('env'));
      const patterns = argv[0] === 'tests' && argv[1] === 'glob' ? argv.slice(2).filter((p) => p.startsWith('/')) : [];
      const refused = patterns.map((p) => this.notShared(p, 'The pattern')).find(Boolean);
      const cwdRefused = this.notShared(cwd, 'The working directory');
      if (refused) throw new RefusedError(refused);
      code = await circleciCommand(argv, {
        // The step's environment, except where `step halt` leaves its mark: this task's folder, as the agent sees it.
        env: { ...env, CIRCLE_INTERNAL_TASK_DATA: this.options.taskData },
        // Read only by the commands that touch files (glob, split of files or by file size).
        get cwd() {
          if (cwdRefused) throw new Error(cwdRefused);
          return cwd;
        },
        stdin: async () => stdin,
        out: (s) => (out += s),
        err: (s) => (err += s),
        timings: this.options.timings,
        oidcToken: this.options.oidcToken,
        run: async (command, input) => ((run = { command, input }), 0),
      });
    } catch (e) {
      err += e instanceof RefusedError ? `circleci: ${e.message}\n` : `circleci: the agent could not read the request ${req}: ${(e as Error).message}\n`;
      code = 1;
    }
    mkdirSync(res, { recursive: true });
    writeFileSync(join(res, 'stdout'), out);
    writeFileSync(join(res, 'stderr'), err);
    writeFileSync(join(res, 'exit'), `${code}\n`);
    if (run) {
      writeFileSync(join(res, 'command'), run.command);
      writeFileSync(join(res, 'input'), run.input);
    }
    renameSync(res, join(this.dir, `${id}.res`));
  }
}

export interface InJobCommandOptions {
  /** This task's folder (HOME, working directory, bin, task data under it). */
  taskRoot: string;
  /** The folder first on the steps' PATH, where `circleci` goes. */
  bin: string;
  taskData: string;
  /** argv that runs this agent's `circleci` mode on the host. */
  agentCommand: string[];
  timings?: () => Promise<TestCaseResult[]>;
  oidcToken?: (claims?: unknown) => Promise<string>;
}

/**
 * Puts the in-job `circleci` command on the steps' PATH. On the host it is a script calling back into this
 * agent. For executors whose steps run in the user's image it is the POSIX sh client, answered by a
 * `CircleciRequestServer` until `stop` (same command implementation either way).
 */
export function installCircleciCommand(executor: StepExecutor, options: InJobCommandOptions): { stop(): Promise<void> } {
  if (!executor.useCircleciClient) {
    writeCircleciCommand(options.bin, options.agentCommand);
    return { stop: async () => undefined };
  }
  writeCircleciClient(options.bin);
  const sharedRoots = executor.useCircleciClient(options.bin, options.taskRoot);
  return new CircleciRequestServer({ taskData: options.taskData, sharedRoots, timings: options.timings, oidcToken: options.oidcToken }).start();
}
