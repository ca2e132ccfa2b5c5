import type { JobSpec } from '../../model/job-spec';
import type { ControlPlaneDeps } from '../deps';
import { presignTestResults } from '../jobs/job-blobs';
import { getTaskSpec, loadTaskContext, startTask } from './runner-protocol';
import type { TaskClaims } from '../identity/tokens';

/** What `POST /runner/v1/task` answers: the job spec of a task this request started. */
export interface AcceptedTask extends JobSpec {
  /** The task is running now (`GET /runner/v1/task` leaves that to `POST /runner/v1/task/start`). */
  started: true;
  /** A presigned PUT for the task's test results, only when its plan has a `store_test_results` step. */
  testResultsUrl?: string;
}

/**
 * The agent takes its task: queued → running and the job spec in one request (instead of a spec request and a
 * start request), reading the job once. Safe to call twice, like `startTask`. A plan that stores test results
 * gets that URL too (the one the agent would otherwise ask for); every other URL depends on what the steps find.
 */
export async function acceptTask(deps: ControlPlaneDeps, c: TaskClaims): Promise<AcceptedTask> {
  // The job's pipeline, workflow and project are read while the task starts, not after: one round trip less
  // between the agent taking its task and its first step.
  const context = loadTaskContext(deps, c);
  context.catch(() => undefined);
  const spec = await getTaskSpec(deps, c, await startTask(deps, c), await context);
  const storesResults = spec.plan.steps.some((s) => s.type === 'store_test_results');
  return { ...spec, started: true, ...(storesResults ? { testResultsUrl: await presignTestResults(deps, c) } : {}) };
}
