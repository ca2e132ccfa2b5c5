export interface RunOptions {
  /** The step's script (a `run` command). */
  script: string;
  /** `shell` of the step/job, e.g. `/bin/bash -eo pipefail` (the default when bash exists). */
  shell?: string;
  cwd: string;
  env: Record<string, string>;
  onOutput(data: Buffer): void;
  /** Whether `onOutput` takes more now; while not, output stays spooled (default: always). */
  outputReady?: () => boolean;
  signal: AbortSignal;
  /** Ends the step as timed out after this long without output. */
  noOutputTimeoutMs: number;
}

export interface RunResult {
  exitCode: number | null;
  timedOut: boolean;
  canceled: boolean;
}

/** Where step scripts execute: the host, a container (via the shim), or Docker. */
export interface StepExecutor {
  readonly name: string;
  run(options: RunOptions): Promise<RunResult>;
  /** Starts a script in the background; it is stopped when the task ends. */
  runBackground(options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): void;
  /** Stops background processes. */
  shutdown(): Promise<void>;
  /**
   * Present on executors whose steps run in the user's image, which has no Node and no agent: the agent puts
   * the POSIX sh `circleci` client into `binDir`, and the executor puts `binDir` first on the steps' PATH.
   * Returns the agent folders the steps see at the same paths (at least `taskRoot`): the agent answers the
   * client's file questions (`tests glob`, `--split-by=filesize`) only for working directories inside them.
   */
  useCircleciClient?(binDir: string, taskRoot: string): string[];
  /**
   * Present on executors whose steps run elsewhere than on the host (a container): the command line of a
   * session of a job rerun with SSH there, a shell or `command`, in `cwd` with `env`; `tty` asks for a terminal
   * (the caller then gives the command line one).
   */
  sessionCommand?(o: { cwd: string; env: Record<string, string>; command?: string; tty: boolean }): { argv: string[]; env: Record<string, string> };
}
