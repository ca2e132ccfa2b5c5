import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOptions, RunResult, StepExecutor } from './executor';
import { SpoolReader } from './spool';

/** Variables that describe the agent's own machine, not the job container: the container keeps its own. */
const HOST_ONLY = new Set(['PATH', 'HOME', 'USER', 'SHELL', 'LANG', 'PWD', 'OLDPWD', 'SHLVL', '_']);

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs steps in the job's primary container through `agent/container/shim.sh`, which watches a folder shared
 * with this agent (the Fargate sidecar). Each step is a set of files (see the shim); output is read back from
 * `<id>.out` as it grows and the exit code from `<id>.exit`. Cancel and no-output timeouts write `<id>.kill`.
 */
export class ContainerExecutor implements StepExecutor {
  readonly name = 'container';
  private counter = 0;
  /** Step file names are unique per executor: another task's executor on the same folder never reads them. */
  private readonly prefix = `step-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly background = new Set<string>();
  private clientDir?: string;

  constructor(
    private readonly sharedDir: string,
    private readonly options: { pollMs?: number; defaultShell?: string } = {},
  ) {}

  /**
   * Steps find the `circleci` client in `binDir` first on their PATH (the container's own PATH after it). On
   * Fargate the task folder lies under SLIPWAY_WORK_ROOT on the shared volume, mounted at the same path in the
   * agent and the primary container: the agent sees the step's files at the paths the step uses.
   */
  useCircleciClient(binDir: string, taskRoot: string): string[] {
    this.clientDir = binDir;
    return [taskRoot];
  }

  private submit(options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): string {
    const id = join(this.sharedDir, `${this.prefix}-${this.counter++}`);
    const env = Object.entries(options.env).filter(([k]) => !HOST_ONLY.has(k) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
    writeFileSync(`${id}.sh`, options.script, { mode: 0o700 });
    const path = this.clientDir ? `export PATH=${quote(this.clientDir)}:"$PATH"\n` : '';
    writeFileSync(`${id}.env`, env.map(([k, v]) => `export ${k}=${quote(v)}\n`).join('') + path, { mode: 0o600 });
    writeFileSync(`${id}.cwd`, options.cwd);
    // Empty: the shim's default (bash -eo pipefail where the image has bash, else sh sourcing $BASH_ENV first).
    writeFileSync(`${id}.shell`, options.shell ?? this.options.defaultShell ?? '');
    writeFileSync(`${id}.ready.tmp`, '');
    renameSync(`${id}.ready.tmp`, `${id}.ready`);
    return id;
  }

  /** Follows `<id>.out` until `<id>.exit` appears; resolves the exit code. */
  private follow(id: string, onOutput: (d: Buffer) => void, tick?: (silentMs: number) => void): Promise<number | null> {
    // The shim writes the spool; the agent only reads it (and frees what it read), and leaves it in place.
    const spool = new SpoolReader(`${id}.out`, onOutput);
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        spool.pump();
        if (existsSync(`${id}.exit`)) {
          clearInterval(timer);
          spool.finish(false);
          const code = Number(readFileSync(`${id}.exit`, 'utf8').trim());
          return resolve(Number.isInteger(code) ? code : null);
        }
        tick?.(Date.now() - spool.lastOutputAt);
      }, this.options.pollMs ?? 50);
    });
  }

  async run(options: RunOptions): Promise<RunResult> {
    const id = this.submit(options);
    let timedOut = false;
    let canceled = false;
    const kill = () => writeFileSync(`${id}.kill`, '');
    const onAbort = () => {
      canceled = true;
      kill();
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    const exitCode = await this.follow(id, options.onOutput, (silentMs) => {
      if (!timedOut && silentMs > options.noOutputTimeoutMs) {
        timedOut = true;
        kill();
      }
    });
    options.signal.removeEventListener('abort', onAbort);
    return { exitCode, timedOut, canceled };
  }

  runBackground(options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): void {
    const id = this.submit(options);
    this.background.add(id);
    void this.follow(id, options.onOutput).then(() => this.background.delete(id));
  }

  async shutdown(): Promise<void> {
    for (const id of this.background) writeFileSync(`${id}.kill`, '');
    this.background.clear();
  }
}
