import type { JobPlan } from '../config/plan';

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
  checkout: { url: string; revision: string; branch?: string; tag?: string; username?: string; password?: string; sshKey?: { fingerprint: string; privateKey: string } };
  heartbeatSeconds: number;
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
