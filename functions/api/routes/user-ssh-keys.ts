import { z } from 'zod';
import { flushAudit } from '../../../shared/services/audit/audit';
import { addUserSshKey, auditSshAccess, deleteUserSshKey, listUserSshKeys, sshAccess } from '../../../shared/services/ssh/ssh-access';
import { withRunningCompute } from '../../../shared/services/jobs/task-compute';
import { rerunWorkflow } from '../../../shared/services/workflows/reruns';
import { jobByNumber, parseBody } from '../access';
import { auditRequest } from '../audit';
import { json, type Route } from '../http';
import { logError } from '../../observability';

const KeyBody = z.object({ title: z.string().max(100).optional(), key: z.string().min(1).max(16_384) }).strict();

/** The caller's SSH public keys, for jobs rerun with SSH (Slipway's own: CircleCI takes them from the VCS). */
export const userSshKeyRoutes: Route[] = [
  { method: 'GET', path: '/api/v2/slipway/me/ssh-keys', handle: async (ctx) => json(200, await listUserSshKeys(ctx.deps, await ctx.user())) },
  {
    method: 'POST',
    path: '/api/v2/slipway/me/ssh-keys',
    handle: async (ctx) => json(201, await addUserSshKey(ctx.deps, await ctx.user(), parseBody(KeyBody, ctx.req.body))),
  },
  /** `slipway ssh <slug> <job-number>`: how to get into a job rerun with SSH (write access needed). */
  {
    method: 'GET',
    path: '/api/v2/slipway/project/:slug/job/:number/ssh',
    async handle(ctx) {
      const { job } = await jobByNumber(ctx, ctx.req.params.slug, ctx.req.params.number, 'member');
      const access = sshAccess(await withRunningCompute(ctx.deps, job), ctx.deps.sshSessions?.machineSsm);
      auditSshAccess(ctx.deps, job, await ctx.user(), auditRequest(ctx), access);
      await flushAudit(ctx.deps, (e) => logError('audit write failed', e));
      return json(200, access);
    },
  },
  {
    // CircleCI v1.1 "retry a build with SSH": the job reruns with SSH in a new workflow, as the v2 rerun does.
    method: 'POST',
    path: '/api/v1.1/project/:vcs/:org/:repo/:number/ssh',
    async handle(ctx) {
      const { vcs, org, repo, number } = ctx.req.params;
      const { job, workflow } = await jobByNumber(ctx, `${vcs}/${org}/${repo}`, number, 'member');
      const rerun = await rerunWorkflow(ctx.deps, workflow, await ctx.user(), { jobs: [job.id], enable_ssh: true });
      return json(200, { workflow_id: rerun.id, message: `Job ${job.name} reruns with SSH in workflow ${rerun.id}; its output says how to connect.` });
    },
  },
  {
    method: 'DELETE',
    path: '/api/v2/slipway/me/ssh-keys/:fingerprint',
    handle: async (ctx) => json(200, await deleteUserSshKey(ctx.deps, await ctx.user(), ctx.req.params.fingerprint)),
  },
];
