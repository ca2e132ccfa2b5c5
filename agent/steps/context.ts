import type { StepPlan } from '../../shared/config/plan';
import type { JobSpec } from '../../shared/model/job-spec';
import type { StepExecutor } from '../executors/executor';
import type { StepLogStream } from '../log-stream';

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
}

export type StepOutcome = { status: 'success' | 'failed' | 'timedout' | 'canceled'; exitCode?: number | null; halt?: boolean };

export type StepHandler<S extends StepPlan = StepPlan> = (step: S, ctx: StepContext) => Promise<StepOutcome>;

/** Expands a leading `~` to the task's HOME, and a relative path against the working directory. */
export function resolvePath(path: string, ctx: Pick<StepContext, 'home' | 'workingDirectory'>): string {
  if (path === '~' || path.startsWith('~/')) return ctx.home + path.slice(1);
  if (path.startsWith('/')) return path;
  return `${ctx.workingDirectory}/${path}`;
}
