import { ConflictError, UnauthorizedError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';
import { loadTask } from './runner-protocol';

/** A one-time task code must be exchanged within this time of its launch (a Fargate task pulls its images first). */
export const TASK_CODE_TTL_SECONDS = 30 * 60;
/** How long a task token stays valid: long enough for the longest job, useless later (its task ends first). */
export const TASK_TOKEN_TTL_SECONDS = 6 * 3600;

/**
 * Exchanges a one-time task code (handed to an agent in its task's launch parameters, which AWS records) for the
 * task token the runner API takes. Single use: the code's id is claimed atomically, so a second exchange (someone
 * who read the RunTask overrides in CloudTrail, a replay) is refused with 401, and only the agent that exchanged
 * first gets a token. Bound to its task and attempt: a code of a superseded attempt (409) or of a task that ended
 * (409) gets nothing. An expired or forged code is a 401.
 */
export async function exchangeTaskCode(
  deps: Pick<ControlPlaneDeps, 'tokens' | 'dedupe' | 'pipelines' | 'clock'>,
  code: string,
): Promise<{ taskToken: string }> {
  const { codeId, expiresAt, ...claims } = await deps.tokens.verifyTaskCode(code);
  const now = deps.clock.now();
  const ttl = Math.max(1, expiresAt - Math.floor(now.getTime() / 1000)) + 60;
  if (!(await deps.dedupe.claim(`task-code#${codeId}`, ttl, now))) {
    throw new UnauthorizedError('This task code was already exchanged; a task code works once. The agent of this task holds its token.');
  }
  const task = (await loadTask(deps, claims)).tasks[claims.taskIndex];
  if (task.status !== 'queued' && task.status !== 'running') throw new ConflictError(`Task is ${task.status}; its code gets no token.`);
  return { taskToken: await deps.tokens.signTask(claims, TASK_TOKEN_TTL_SECONDS) };
}
