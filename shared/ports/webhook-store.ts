/** The events an outbound webhook can subscribe to (CircleCI's names). */
export type WebhookEventType = 'workflow-completed' | 'job-completed';

/** An outbound webhook of a project (CircleCI API v2 `/webhook`). */
export interface Webhook {
  /** UUID. */
  id: string;
  /** The project's id (the only scope CircleCI supports) and slug. */
  projectId: string;
  projectSlug: string;
  name: string;
  url: string;
  verifyTls: boolean;
  events: WebhookEventType[];
  /** The signing secret, encrypted by the `SecretCipher`; empty: deliveries are unsigned. */
  encryptedSecret: string;
  /** The secret's last four characters, for the masked value the API shows. */
  secretHint: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * One event to deliver to one webhook. Its id is the payload's `id` (receivers dedupe on it) and is derived
 * from the webhook and the subject (job or workflow), so the same event prepared twice has the same id.
 */
export interface WebhookEvent {
  id: string;
  webhookId: string;
  type: WebhookEventType | 'ping';
  /** The JSON body sent on every attempt (identical across retries, so its signature is too). */
  body: string;
  /** `pending` until a 2xx (`delivered`) or until retries are exhausted or a 4xx answered (`failed`). */
  status: 'pending' | 'delivered' | 'failed';
  /** Attempts started so far. */
  attempts: number;
  createdAt: string;
}

/** One delivery attempt, as the delivery log shows it. */
export interface DeliveryAttempt {
  webhookId: string;
  eventId: string;
  eventType: WebhookEvent['type'];
  attempt: number;
  at: string;
  /** HTTP status, or `undefined` when no response came (timeout, refused connection, refused address). */
  status?: number;
  latencyMs: number;
  /** Why the attempt failed, when it did. */
  error?: string;
  /** Whether another attempt is scheduled. */
  willRetry: boolean;
}

/**
 * Outbound webhooks, their events and their delivery log.
 *
 * Semantics (every adapter passes `defineWebhookStoreContract`):
 * - `put` creates or replaces a webhook by id; `get` is strongly consistent; `listByProject` is oldest
 *   first and may lag a write by a moment (an index). `delete` resolves whether it deleted one (safe to call twice).
 * - `createEvent` is an idempotent create: a second call with the same event id stores nothing and resolves
 *   the event already stored (so two deliveries of one notification prepare one event).
 * - `startAttempt` is a compare-and-set: it moves a `pending` event from `attempt - 1` attempts to `attempt`
 *   and resolves the event, or `undefined` when another consumer already started that attempt or the event
 *   is no longer pending. Of concurrent calls with one attempt number, exactly one succeeds.
 * - `finishEvent` sets the final status; `recordAttempt` appends to the log; `listAttempts` is newest first,
 *   at most `limit` entries (default 50). The log keeps the last `limit` attempts worth showing; older
 *   entries may be dropped.
 */
export interface WebhookStore {
  put(webhook: Webhook): Promise<void>;
  get(id: string): Promise<Webhook | undefined>;
  listByProject(projectId: string): Promise<Webhook[]>;
  delete(id: string): Promise<boolean>;
  createEvent(event: WebhookEvent): Promise<{ created: boolean; event: WebhookEvent }>;
  getEvent(id: string): Promise<WebhookEvent | undefined>;
  startAttempt(id: string, attempt: number): Promise<WebhookEvent | undefined>;
  finishEvent(id: string, status: 'delivered' | 'failed'): Promise<void>;
  recordAttempt(attempt: DeliveryAttempt): Promise<void>;
  listAttempts(webhookId: string, limit?: number): Promise<DeliveryAttempt[]>;
}
