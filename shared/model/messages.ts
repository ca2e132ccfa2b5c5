import { z } from 'zod';

/**
 * The control plane's queue messages (DESIGN.md §5): one zod schema per message, one union per queue. Senders
 * are typed by {@link QueueMessage} (sending the wrong shape to a queue is a compile error); each consumer
 * validates every record against {@link MESSAGE_SCHEMAS} before its use case sees it, and sends a record that
 * does not match to the queue's dead-letter queue with the reason (`functions/sqs-consumer.ts`).
 */

const id = z.string().min(1);
const count = z.number().int().nonnegative();

export const JOB_STATUSES = [
  'blocked',
  'queued',
  'running',
  'success',
  'failed',
  'canceled',
  'not_run',
  'on_hold',
  'infrastructure_fail',
  'timedout',
  'unauthorized',
] as const;
export const WORKFLOW_STATUSES = ['running', 'on_hold', 'failing', 'success', 'failed', 'error', 'canceled', 'not_run'] as const;

// triggers ------------------------------------------------------------------------------------------------------

/** A pipeline was created (API, schedule, webhook): fetch its config at the commit and compile it. */
export const PipelineTriggeredMessage = z.object({ type: z.literal('PipelineTriggered'), pipelineId: id });

const GitHubActor = z.object({ login: z.string(), avatarUrl: z.string().nullable() });

/** A verified GitHub push delivery (compact: SQS bodies are small). */
export const GitHubPushMessage = z.object({
  type: z.literal('GitHubPush'),
  deliveryId: id,
  repository: id,
  ref: id,
  after: id,
  /** The ref's commit before the push (all zeros for a new ref). */
  before: z.string().optional(),
  message: z.string().optional(),
  actor: GitHubActor,
});

/** A verified GitHub pull_request delivery (opened, synchronize, reopened). */
export const GitHubPullRequestMessage = z.object({
  type: z.literal('GitHubPullRequest'),
  deliveryId: id,
  repository: id,
  number: z.number().int().positive(),
  url: z.string(),
  branch: z.string(),
  revision: id,
  /** The pull request event's action (`opened`, `synchronize`, `reopened`) and its base branch. */
  action: z.string().optional(),
  base: z.string().optional(),
  /** The head repository's clone URL when it is a fork (a deleted fork has none). */
  fork: z.object({ url: z.string() }).optional(),
  actor: GitHubActor,
});

/** A verified GitHub installation or installation_repositories delivery. */
export const GitHubInstallationMessage = z.object({
  type: z.literal('GitHubInstallation'),
  deliveryId: id,
  installationId: z.number().int(),
  account: z.string(),
  action: z.enum(['set', 'add', 'remove', 'delete']),
  repositories: z.array(z.string()),
});

export const GitHubEventMessage = z.discriminatedUnion('type', [GitHubPushMessage, GitHubPullRequestMessage, GitHubInstallationMessage]);
export const TriggerMessage = z.discriminatedUnion('type', [PipelineTriggeredMessage, GitHubPushMessage, GitHubPullRequestMessage, GitHubInstallationMessage]);

// dispatch ------------------------------------------------------------------------------------------------------

/** Start compute for one queued task at one attempt. */
export const DispatchMessage = z.object({ workflowId: id, jobId: id, taskIndex: count, attempt: count });

// events (FIFO, group = workflow id) ----------------------------------------------------------------------------

/** The workflow reducer's events (`shared/workflow/reducer.ts`, `WorkflowEvent`). */
export const WorkflowEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('WorkflowCreated') }),
  z.object({ type: z.literal('TaskFinished'), jobId: id }),
  z.object({ type: z.literal('JobApproved'), jobId: id, by: z.string() }),
  z.object({ type: z.literal('WorkflowCancelRequested'), by: z.string() }),
  z.object({ type: z.literal('JobCancelRequested'), jobId: id, by: z.string() }),
  z.object({ type: z.literal('Reconcile') }),
]);

/** One event for the conductor to apply to one workflow. */
export const WorkflowMessage = z.object({ workflowId: id, event: WorkflowEventSchema });

// notify --------------------------------------------------------------------------------------------------------

export const JobQueuedMessage = z.object({ type: z.literal('JobQueued'), workflowId: id, jobId: id });
export const JobFinishedMessage = z.object({ type: z.literal('JobFinished'), workflowId: id, jobId: id, status: z.enum(JOB_STATUSES) });
export const WorkflowFinishedMessage = z.object({ type: z.literal('WorkflowFinished'), workflowId: id, status: z.enum(WORKFLOW_STATUSES) });
/** Sends one attempt of an outbound webhook event; `notBefore` carries waits longer than a queue delay allows. */
export const DeliverWebhookMessage = z.object({
  type: z.literal('DeliverWebhook'),
  eventId: id,
  attempt: z.number().int().positive(),
  notBefore: z.iso.datetime().optional(),
});
export const NotifyMessage = z.discriminatedUnion('type', [JobQueuedMessage, JobFinishedMessage, WorkflowFinishedMessage, DeliverWebhookMessage]);

// per queue -----------------------------------------------------------------------------------------------------

/** Each queue's message schema: what its consumer accepts. */
export const MESSAGE_SCHEMAS = {
  triggers: TriggerMessage,
  dispatch: DispatchMessage,
  events: WorkflowMessage,
  notify: NotifyMessage,
} as const;

export type QueueName = keyof typeof MESSAGE_SCHEMAS;
/** The message type of one queue: `QueueMessage<'dispatch'>` is a {@link DispatchMessage}. */
export type QueueMessage<Q extends QueueName> = z.infer<(typeof MESSAGE_SCHEMAS)[Q]>;

export type TriggerMessage = z.infer<typeof TriggerMessage>;
export type GitHubEventMessage = z.infer<typeof GitHubEventMessage>;
export type DispatchMessage = z.infer<typeof DispatchMessage>;
export type WorkflowMessage = z.infer<typeof WorkflowMessage>;
export type NotifyMessage = z.infer<typeof NotifyMessage>;
export type DeliverWebhookMessage = z.infer<typeof DeliverWebhookMessage>;

/** The message attribute that carries why a consumer refused a record it sent to the dead-letter queue. */
export const REJECT_REASON_ATTRIBUTE = 'slipway-reject-reason';
/** The message attribute that names the queue a refused record came from. */
export const REJECT_QUEUE_ATTRIBUTE = 'slipway-source-queue';

/**
 * Parses a record's body for `queue`: the typed message, or why it is refused (the first problem, with its
 * path), worded for the operator who reads the dead-letter queue.
 */
export function parseQueueMessage<Q extends QueueName>(queue: Q, body: string): { ok: true; message: QueueMessage<Q> } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, reason: `The ${queue} message is not JSON: ${(e as Error).message}.` };
  }
  const r = MESSAGE_SCHEMAS[queue].safeParse(json);
  if (r.success) return { ok: true, message: r.data as QueueMessage<Q> };
  const issue = r.error.issues[0];
  const at = issue.path.length ? issue.path.join('.') : '(root)';
  return { ok: false, reason: `The ${queue} message does not match its schema at ${at}: ${issue.message} (shared/model/messages.ts).` };
}
