import { z } from 'zod';
import { UnauthorizedError } from '../../../shared/model/errors';
import { INLINE_OUTPUT_JOB_MAX_BYTES, INLINE_OUTPUT_MAX_BYTES } from '../../../shared/model/job-spec';
import { STEP_FAILURE_REASONS } from '../../../shared/model/statuses';
import { acceptTask } from '../../../shared/services/runners/accept-task';
import { completeTask, getTaskSpec, heartbeat, loadJobContext, loadTask, logUploadUrls, startTask } from '../../../shared/services/runners/runner-protocol';
import { exchangeTaskCode } from '../../../shared/services/runners/task-codes';
import { mintRequestedOidcToken, parseRequestedClaims } from '../../../shared/services/oidc/job-tokens';
import { ConflictError } from '../../../shared/model/errors';
import { flushAudit } from '../../../shared/services/audit/audit';
import { auditSshSession } from '../../../shared/services/ssh/ssh-access';
import { logError } from '../../observability';
import type { TaskClaims } from '../../../shared/services/identity/tokens';
import { parseBody } from '../access';
import { json, type Route, type RouteContext } from '../http';

/** The bearer credential of a request (a task token, or a task code for the exchange), or a 401 naming it. */
function bearer(ctx: RouteContext, what: string): string {
  const auth = Object.entries(ctx.req.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  if (!auth?.startsWith('Bearer ') || auth.length <= 7) throw new UnauthorizedError(`The runner API needs a ${what}: Authorization: Bearer <${what}>.`);
  return auth.slice(7);
}

/** The agent protocol (DESIGN.md §6), authenticated by the task token. */
async function claims(ctx: RouteContext): Promise<TaskClaims> {
  return ctx.deps.tokens.verifyTask(bearer(ctx, 'task token'));
}

const Step = z.object({
  index: z.number().int().min(0),
  name: z.string(),
  type: z.string(),
  status: z.enum(['running', 'success', 'failed', 'canceled', 'timedout', 'skipped']),
  startedAt: z.string(),
  stoppedAt: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  outputBytes: z.number().int().min(0).optional(),
  failureReason: z.enum(STEP_FAILURE_REASONS).optional(),
  output: z
    .string()
    .refine(
      (o) => Buffer.byteLength(o, 'utf8') <= INLINE_OUTPUT_MAX_BYTES,
      `a step's inline output must be at most ${INLINE_OUTPUT_MAX_BYTES} bytes; upload larger output as log chunks`,
    )
    .optional(),
  restoredCache: z
    .string()
    .min(1)
    .max(900)
    .refine((k) => !k.split('/').includes('..'), 'a restored cache key must not contain ".." segments')
    .optional(),
});
const StepsBody = z.object({
  steps: z
    .array(Step)
    .max(1000)
    .refine(
      (steps) => steps.reduce((n, s) => n + (s.output ? Buffer.byteLength(s.output, 'utf8') : 0), 0) <= INLINE_OUTPUT_JOB_MAX_BYTES,
      `the steps' inline output must total at most ${INLINE_OUTPUT_JOB_MAX_BYTES} bytes; upload the rest as log chunks`,
    ),
});
const LogUrlsBody = z.object({ step: z.number().int().min(0), from: z.number().int().min(0), count: z.number().int().min(1).max(64) });
/** A step report may ask for presigned log URLs too (one request instead of two). */
const StepsWithUrlsBody = StepsBody.extend({ logUrls: LogUrlsBody.optional() });
const SshSessionBody = z.object({ event: z.enum(['opened', 'closed', 'refused']), login: z.string().max(100).optional(), ip: z.string().max(64) }).strict();
const OidcTokenBody = z.object({ claims: z.unknown().optional() }).strict();
const CompleteBody = StepsBody.extend({ status: z.enum(['success', 'failed', 'canceled', 'timedout', 'infrastructure_fail']) });

export const runnerRoutes: Route[] = [
  /** A one-time task code (from the task's launch parameters) for its task token: once, before it expires. */
  {
    method: 'POST',
    path: '/runner/v1/task/token',
    handle: async (ctx) => json(200, { task_token: (await exchangeTaskCode(ctx.deps, bearer(ctx, 'task code'))).taskToken }),
  },
  { method: 'GET', path: '/runner/v1/task', handle: async (ctx) => json(200, await getTaskSpec(ctx.deps, await claims(ctx))) },
  /** Start and spec in one request (the agent's first call). */
  { method: 'POST', path: '/runner/v1/task', handle: async (ctx) => json(200, await acceptTask(ctx.deps, await claims(ctx))) },
  {
    method: 'POST',
    path: '/runner/v1/task/start',
    handle: async (ctx) => {
      await startTask(ctx.deps, await claims(ctx));
      return json(200, { ok: true });
    },
  },
  {
    method: 'POST',
    path: '/runner/v1/task/steps',
    handle: async (ctx) => {
      const c = await claims(ctx);
      const body = parseBody(StepsWithUrlsBody, ctx.req.body);
      const [beat, logUrls] = await Promise.all([heartbeat(ctx.deps, c, body.steps), body.logUrls && logUploadUrls(ctx.deps, c, body.logUrls)]);
      return json(200, logUrls ? { ...beat, logUrls } : beat);
    },
  },
  { method: 'POST', path: '/runner/v1/task/heartbeat', handle: async (ctx) => json(200, await heartbeat(ctx.deps, await claims(ctx))) },
  {
    method: 'POST',
    path: '/runner/v1/task/complete',
    handle: async (ctx) => {
      await completeTask(ctx.deps, await claims(ctx), parseBody(CompleteBody, ctx.req.body));
      return json(200, { ok: true });
    },
  },
  {
    // `circleci run oidc get --claims '<json>'` inside the job: a fresh token while the task runs.
    method: 'POST',
    path: '/runner/v1/task/oidc-token',
    handle: async (ctx) => {
      const c = await claims(ctx);
      const requested = parseRequestedClaims(parseBody(OidcTokenBody, ctx.req.body).claims);
      const job = await loadTask(ctx.deps, c);
      if (job.tasks[c.taskIndex].status !== 'running')
        throw new ConflictError(`Task is ${job.tasks[c.taskIndex].status}; OIDC tokens are minted only while it runs.`);
      const token = await mintRequestedOidcToken(ctx.deps, { job, ...(await loadJobContext(ctx.deps, job)) }, requested);
      return json(200, { token });
    },
  },
  {
    // Rerun with SSH: the agent reports each session, which becomes an audit event.
    method: 'POST',
    path: '/runner/v1/task/ssh-session',
    handle: async (ctx) => {
      const c = await claims(ctx);
      const body = parseBody(SshSessionBody, ctx.req.body);
      const job = await loadTask(ctx.deps, c);
      if (!job.sshRerun) throw new ConflictError('This job was not rerun with SSH.');
      auditSshSession(ctx.deps, job, c.taskIndex, body);
      await flushAudit(ctx.deps, (e) => logError('audit write failed', e));
      return json(200, { ok: true });
    },
  },
  {
    method: 'POST',
    path: '/runner/v1/task/log-urls',
    handle: async (ctx) => json(200, { urls: await logUploadUrls(ctx.deps, await claims(ctx), parseBody(LogUrlsBody, ctx.req.body)) }),
  },
];
