export interface RunOptions {
  /** The step's script (a `run` command). */
  script: string;
  /** `shell` of the step/job, e.g. `/bin/bash -eo pipefail` (the default when bash exists). */
  shell?: string;
  cwd: string;
  env: Record<string, string>;
  onOutput(data: Buffer): void;
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
}
