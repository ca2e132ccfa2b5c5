import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../../shared/model/errors';
import { isTerminalWorkflow } from '../../../shared/model/statuses';
import { sendWorkflowEvent } from '../../../shared/services/workflows/workflow-events';
import { apiWorkflow, apiWorkflowJob } from '../api-shapes';
import { rerunWorkflow } from '../../../shared/services/workflows/reruns';
import { parseBody, workflowFor } from '../access';
import { json, type Route } from '../http';

const RerunBody = z
  .object({
    jobs: z.array(z.string()).optional(),
    from_failed: z.boolean().optional(),
    sparse_tree: z.boolean().optional(),
    enable_ssh: z.boolean().optional(),
  })
  .strict()
  .nullable()
  .transform((b) => b ?? {});

export const workflowRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/workflow/:id',
    async handle(ctx) {
      const { workflow } = await workflowFor(ctx, ctx.req.params.id, 'viewer');
      return json(200, apiWorkflow(workflow));
    },
  },
  {
    method: 'GET',
    path: '/api/v2/workflow/:id/job',
    async handle(ctx) {
      const { workflow } = await workflowFor(ctx, ctx.req.params.id, 'viewer');
      const jobs = await ctx.deps.pipelines.listJobs(workflow.id);
      jobs.sort((a, b) => a.plan.requires.length - b.plan.requires.length || a.createdAt.localeCompare(b.createdAt));
      return json(200, { items: jobs.map(apiWorkflowJob), next_page_token: null });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/workflow/:id/cancel',
    async handle(ctx) {
      const { workflow } = await workflowFor(ctx, ctx.req.params.id, 'member');
      const user = await ctx.user();
      if (!isTerminalWorkflow(workflow.status)) await sendWorkflowEvent(ctx.deps, workflow.id, { type: 'WorkflowCancelRequested', by: user.id });
      return json(202, { message: 'Accepted.' });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/workflow/:id/rerun',
    async handle(ctx) {
      const { workflow } = await workflowFor(ctx, ctx.req.params.id, 'member');
      const body = parseBody(RerunBody, ctx.req.body);
      const rerun = await rerunWorkflow(ctx.deps, workflow, await ctx.user(), body);
      return json(202, { workflow_id: rerun.id });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/workflow/:id/approve/:requestId',
    async handle(ctx) {
      const { workflow } = await workflowFor(ctx, ctx.req.params.id, 'member');
      const user = await ctx.user();
      const job = await ctx.deps.pipelines.getJob(workflow.id, ctx.req.params.requestId);
      if (!job || job.type !== 'approval') throw new NotFoundError('Approval request not found');
      if (job.status !== 'on_hold') throw new ValidationError(`Job ${job.name} is ${job.status}, not on hold; nothing to approve.`);
      await sendWorkflowEvent(ctx.deps, workflow.id, { type: 'JobApproved', jobId: job.id, by: user.id });
      return json(202, { message: 'Accepted.' });
    },
  },
];
