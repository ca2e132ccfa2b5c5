import { posix } from 'node:path';
import type { StepPlan } from '../../shared/config/plan';
import type { JobSpec, TestCaseResult } from '../../shared/model/job-spec';
import type { StepFailureReason } from '../../shared/model/statuses';
import type { ControlPlaneClient } from '../client';
import type { StepExecutor } from '../executors/executor';
import type { StepLogStream } from '../log-stream';

/** The part of the runner protocol that steps moving bytes use. */
export type BlobApi = Pick<ControlPlaneClient, 'saveCache' | 'restoreCache' | 'workspaceLayerUrl' | 'workspaceLayers' | 'artifactUrls' | 'testResultsUrl'>;

export interface StepContext {
  spec: JobSpec;
  executor: StepExecutor;
  /** Job environment: built-ins, context and project vars, then the job's `environment`. */
  env: Record<string, string>;
  home: string;
  /** The job's working directory with `~` expanded. */
  workingDirectory: string;
  log: StepLogStream;
  signal: AbortSignal;
  /** The runner protocol (presigned URLs for caches, workspaces, artifacts, test results). */
  client: BlobApi;
  /** This task's private scratch folder (archives in flight). */
  scratch: string;
  /** Test results stored so far by this task (each `store_test_results` uploads the union). */
  testResults: TestCaseResult[];
}

/** How a step ended; `reason` names why it did not succeed where its status alone does not say (see `failureReasonOf`). */
export type StepOutcome = {
  status: 'success' | 'failed' | 'timedout' | 'canceled';
  exitCode?: number | null;
  halt?: boolean;
  reason?: StepFailureReason;
  restoredCache?: string;
};

/** Why a step that did not succeed ended: its own reason, else the one its status implies. */
export function failureReasonOf(outcome: StepOutcome): StepFailureReason | undefined {
  if (outcome.status === 'success') return undefined;
  return outcome.reason ?? (outcome.status === 'timedout' ? 'timed_out' : outcome.status === 'canceled' ? 'canceled' : 'failed');
}

export type StepHandler<S extends StepPlan = StepPlan> = (step: S, ctx: StepContext) => Promise<StepOutcome>;

/** A step failure with a message for the step's output (no stack trace). */
export class StepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepError';
  }
}

/** Resolves `rel` under `root`, refusing paths that escape it (`..`, absolute paths elsewhere). */
export function insideRoot(root: string, rel: string, what: string): string {
  const full = rel.startsWith('/') ? posix.normalize(rel) : posix.join(root, rel);
  const r = posix.relative(root, full);
  if (r === '..' || r.startsWith('../') || posix.isAbsolute(r)) throw new StepError(`${what} "${rel}" is outside ${root}; use a path inside it.`);
  return full;
}

/** Expands a leading `~` to the task's HOME, and a relative path against the working directory. */
export function resolvePath(path: string, ctx: Pick<StepContext, 'home' | 'workingDirectory'>): string {
  if (path === '~' || path.startsWith('~/')) return ctx.home + path.slice(1);
  if (path.startsWith('/')) return path;
  return `${ctx.workingDirectory}/${path}`;
}
