import type { JobPlan } from '../config/plan';
import type { StepFailureReason } from './statuses';

/**
 * What the agent receives when it fetches (task mode) or claims (runner mode) a task: everything needed to
 * run it, including secrets, over the authenticated runner API only (never in task overrides or user data).
 * Versioned by `protocol`.
 */
export interface JobSpec {
  protocol: 1;
  job: {
    id: string;
    name: string;
    number: number;
    workflowId: string;
    workflowName: string;
    pipelineId: string;
    pipelineNumber: number;
    projectSlug: string;
    buildUrl: string;
  };
  task: { index: number; total: number; attempt: number };
  plan: JobPlan;
  /** Built-in, context and project variables, merged with CircleCI's precedence (job/step env applied by the agent). */
  environment: Record<string, string>;
  /** Values to mask in output (project and context secrets). */
  secrets: string[];
  /** `sshKey`: the project's preferred checkout key, used when `url` is an SSH remote. */
  checkout: {
    url: string;
    revision: string;
    branch?: string;
    tag?: string;
    username?: string;
    password?: string;
    sshKey?: { fingerprint: string; privateKey: string };
  };
  heartbeatSeconds: number;
  /**
   * Rerun with SSH: the agent serves SSH to the job's environment to these public keys (users with write
   * access), until `idleSeconds` after the last session closes, `maxSeconds` at most after the steps end.
   */
  ssh?: {
    authorizedKeys: Array<{ login: string; publicKey: string }>;
    idleSeconds: number;
    maxSeconds: number;
    /** Address to listen on and host name to show (local mode: the API's host); default all addresses and the agent's host name. */
    bind?: string;
    host?: string;
    /** Port to listen on (EC2 machines: a fixed one, forwarded by Session Manager); default any free port. */
    port?: number;
    /** The command users connect with, shown instead of `ssh -p <port> <host>` (EC2 machines: ssh through Session Manager). */
    connect?: string[];
  };
  /** Project SSH keys for `add_ssh_keys` (absent when the project has none). */
  sshKeys?: Array<{ fingerprint: string; privateKey: string; hostname?: string }>;
}

/** A step event the agent reports (batched). */
export interface StepReport {
  index: number;
  name: string;
  type: string;
  status: 'running' | 'success' | 'failed' | 'canceled' | 'timedout' | 'skipped';
  startedAt: string;
  stoppedAt?: string;
  exitCode?: number | null;
  outputBytes?: number;
  /** On a final report of a step that did not succeed: why. */
  failureReason?: StepFailureReason;
  /**
   * The step's whole output (masked), on its final report, when it was small enough to travel here instead of
   * as a log object (`INLINE_OUTPUT_MAX_BYTES`); absent when any of it was uploaded.
   */
  output?: string;
  /** `restore_cache`: the key of the cache the step restored (on its final report). */
  restoredCache?: string;
}

/** A step's whole output, when at most this many bytes after masking, travels in its final report instead of a log object (one S3 PUT saved). */
export const INLINE_OUTPUT_MAX_BYTES = 4096;

/**
 * At most this much output of a job is kept inline, over all its tasks and steps: the job item holds them all,
 * and every later write of the job (reports, heartbeats) is billed per KB of the item.
 */
export const INLINE_OUTPUT_JOB_MAX_BYTES = 16 * 1024;

/** How many bytes of inline output one task of a job with `taskTotal` parallel tasks may keep. */
export function inlineOutputBudget(taskTotal: number): number {
  return Math.floor(INLINE_OUTPUT_JOB_MAX_BYTES / Math.max(1, taskTotal));
}

/** One test case from a `store_test_results` file (JUnit XML), in CircleCI's tests API vocabulary. */
export interface TestCaseResult {
  classname: string;
  name: string;
  file?: string;
  result: 'success' | 'failure' | 'skipped';
  /** Seconds. */
  run_time: number;
  message?: string;
  /** The results file it came from, relative to the step's `path`. */
  source?: string;
}

/** What a task's `store_test_results` steps stored (one document per task). */
export interface TaskTestResults {
  tests: TestCaseResult[];
}
