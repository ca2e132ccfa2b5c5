import { verifyWithFallback } from '@octokit/webhooks-methods';
import { z } from 'zod';
import type { ControlPlaneDeps } from '../deps';
import type { GitHubEventMessage } from '../../model/messages';
import { refUpdateSkipReason } from './github-push';

/** How long a delivery id is remembered (GitHub lets users redeliver for a few days). */
export const DELIVERY_TTL_SECONDS = 7 * 24 * 3600;

const Actor = z.object({ login: z.string(), avatar_url: z.string().nullish() });
const Repo = z.object({ full_name: z.string().regex(/^[^/]+\/[^/]+$/), clone_url: z.string().nullish() });

const PushPayload = z.object({
  ref: z.string().min(1),
  after: z.string().regex(/^[0-9a-f]{40}$/),
  before: z.string().optional(),
  deleted: z.boolean().optional(),
  head_commit: z.object({ message: z.string() }).nullish(),
  repository: Repo,
  sender: Actor.optional(),
  pusher: z.object({ name: z.string() }).optional(),
});

const PullRequestPayload = z.object({
  action: z.string(),
  number: z.number().int().positive(),
  pull_request: z.object({
    html_url: z.string(),
    head: z.object({ ref: z.string(), sha: z.string().regex(/^[0-9a-f]{40}$/), repo: Repo.nullish() }),
    base: z.object({ ref: z.string(), repo: Repo }),
  }),
  repository: Repo,
  sender: Actor.optional(),
});

const InstallationPayload = z.object({
  action: z.string(),
  installation: z.object({ id: z.number().int(), account: z.object({ login: z.string() }).nullish() }),
  repositories: z.array(z.object({ full_name: z.string() })).nullish(),
  repositories_added: z.array(z.object({ full_name: z.string() })).nullish(),
  repositories_removed: z.array(z.object({ full_name: z.string() })).nullish(),
});

export type GitHubActor = { login: string; avatarUrl: string | null };

/** The work a delivery asks for, as queued on `triggers`: `shared/model/messages.ts`. */
export type { GitHubEventMessage } from '../../model/messages';

export interface WebhookResponse {
  status: number;
  message: string;
}

const PR_ACTIONS = ['opened', 'synchronize', 'reopened'];

const header = (headers: Record<string, string | undefined>, name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
const actorOf = (sender?: { login: string; avatar_url?: string | null }): GitHubActor => ({
  login: sender?.login ?? 'github',
  avatarUrl: sender?.avatar_url ?? null,
});

function parsePayload(body: string, contentType: string): unknown {
  const json = /x-www-form-urlencoded/.test(contentType) ? (new URLSearchParams(body).get('payload') ?? '') : body;
  return JSON.parse(json);
}

/** Turns a verified delivery into queued work, or the reason it needs none. */
function toMessage(event: string, deliveryId: string, payload: unknown): GitHubEventMessage | string {
  const fail = (issues: z.ZodError) => {
    const i = issues.issues[0];
    throw new MalformedDeliveryError(`The ${event} payload is malformed at ${i.path.join('.') || '(root)'}: ${i.message}.`);
  };
  if (event === 'push') {
    const r = PushPayload.safeParse(payload);
    if (!r.success) return fail(r.error);
    const p = r.data;
    const message = p.head_commit?.message;
    const skip = refUpdateSkipReason({ ref: p.ref, after: p.after, deleted: p.deleted, message });
    if (skip) return skip;
    return {
      type: 'GitHubPush',
      deliveryId,
      repository: p.repository.full_name,
      ref: p.ref,
      after: p.after,
      ...(p.before && /^[0-9a-f]{40}$/.test(p.before) ? { before: p.before } : {}),
      message: message?.slice(0, 8192),
      actor: actorOf(p.sender),
    };
  }
  if (event === 'pull_request') {
    const r = PullRequestPayload.safeParse(payload);
    if (!r.success) return fail(r.error);
    const p = r.data;
    if (!PR_ACTIONS.includes(p.action)) return `Pull request action ${p.action} does not build.`;
    const head = p.pull_request.head;
    const isFork = head.repo?.full_name.toLowerCase() !== p.pull_request.base.repo.full_name.toLowerCase();
    return {
      type: 'GitHubPullRequest',
      deliveryId,
      repository: p.pull_request.base.repo.full_name,
      number: p.number,
      url: p.pull_request.html_url,
      branch: isFork ? `pull/${p.number}` : head.ref,
      revision: head.sha,
      action: p.action,
      base: p.pull_request.base.ref,
      ...(isFork ? { fork: { url: head.repo?.clone_url ?? `deleted-fork:${p.number}` } } : {}),
      actor: actorOf(p.sender),
    };
  }
  if (event === 'installation' || event === 'installation_repositories') {
    const r = InstallationPayload.safeParse(payload);
    if (!r.success) return fail(r.error);
    const p = r.data;
    const names = (list?: Array<{ full_name: string }> | null) => (list ?? []).map((x) => x.full_name);
    const base = {
      type: 'GitHubInstallation' as const,
      deliveryId,
      installationId: p.installation.id,
      account: p.installation.account?.login ?? '',
    };
    if (event === 'installation_repositories') {
      if (p.action === 'added') return { ...base, action: 'add', repositories: names(p.repositories_added) };
      if (p.action === 'removed') return { ...base, action: 'remove', repositories: names(p.repositories_removed) };
      return `Installation repositories action ${p.action} changes nothing.`;
    }
    if (p.action === 'deleted' || p.action === 'suspend') return { ...base, action: 'delete', repositories: [] };
    if (p.action === 'created' || p.action === 'unsuspend') return { ...base, action: p.repositories ? 'set' : 'add', repositories: names(p.repositories) };
    return `Installation action ${p.action} changes nothing.`;
  }
  if (event === 'create' || event === 'delete') return `The ${event} event does not build: pushes build from their push event, deleted refs never build.`;
  return `Event ${event} is not used by Slipway.`;
}

export class MalformedDeliveryError extends Error {}

/**
 * `POST /webhooks/github`: verifies `X-Hub-Signature-256` against every configured secret (rotation) in
 * constant time, then answers at once: `ping` 200, deliveries that need no work 200 with the reason, a
 * delivery id seen before 200 (so a redelivery never builds twice), new work 202 after queueing it on
 * `triggers`. Unsigned or forged: 401. Malformed body with a valid signature: 400.
 */
export async function receiveGitHubWebhook(
  deps: Pick<ControlPlaneDeps, 'dedupe' | 'queue' | 'clock' | 'githubWebhookSecrets'>,
  request: { headers: Record<string, string | undefined>; body: string },
): Promise<WebhookResponse> {
  const secrets = (deps.githubWebhookSecrets ?? []).filter(Boolean);
  if (secrets.length === 0)
    return {
      status: 404,
      message: 'GitHub webhooks are not configured: set a webhook secret (GitHub App secret, or SLIPWAY_GITHUB_WEBHOOK_SECRET locally).',
    };
  const signature = header(request.headers, 'x-hub-signature-256');
  if (!signature) return { status: 401, message: 'Missing X-Hub-Signature-256: configure the webhook with a secret.' };
  const valid = request.body.length > 0 && (await verifyWithFallback(secrets[0], request.body, signature, secrets.slice(1)));
  if (!valid) return { status: 401, message: 'Invalid X-Hub-Signature-256: the webhook secret does not match.' };

  const event = header(request.headers, 'x-github-event');
  const deliveryId = header(request.headers, 'x-github-delivery');
  if (!event || !deliveryId) return { status: 400, message: 'Missing X-GitHub-Event or X-GitHub-Delivery header.' };
  let payload: unknown;
  try {
    payload = parsePayload(request.body, header(request.headers, 'content-type') ?? 'application/json');
  } catch (e) {
    return { status: 400, message: `Malformed JSON body: ${(e as Error).message}.` };
  }
  if (event === 'ping') return { status: 200, message: 'pong' };
  let message: GitHubEventMessage | string;
  try {
    message = toMessage(event, deliveryId, payload);
  } catch (e) {
    if (e instanceof MalformedDeliveryError) return { status: 400, message: e.message };
    throw e;
  }
  if (typeof message === 'string') return { status: 200, message: `Ignored: ${message}` };
  const key = `github-delivery:${deliveryId}`;
  if (!(await deps.dedupe.claim(key, DELIVERY_TTL_SECONDS, deps.clock.now()))) return { status: 200, message: `Delivery ${deliveryId} was already received.` };
  try {
    await deps.queue.send('triggers', message);
  } catch (e) {
    await deps.dedupe.release(key);
    throw e;
  }
  return { status: 202, message: `Accepted delivery ${deliveryId}.` };
}
