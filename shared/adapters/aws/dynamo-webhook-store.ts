import type { DeliveryAttempt, Webhook, WebhookEvent, WebhookStore } from '../../ports/webhook-store';
import { toEntity, type DynamoTable } from './dynamo-table';

const hookKey = (id: string) => ({ pk: `WEBHOOK#${id}`, sk: 'META' });
const eventKey = (id: string) => ({ pk: `WHEVENT#${id}`, sk: 'META' });
/** Events and log entries are kept 30 days (TTL; expiry is not relied upon by reads). */
const KEEP_SECONDS = 30 * 24 * 3600;
const expiry = (iso: string) => Math.floor(Date.parse(iso) / 1000) + KEEP_SECONDS;

/**
 * Outbound webhooks in the single table: one item per webhook (listed per project through gsi1), one per
 * event, and the delivery log in the webhook's partition (sort key attempt time, newest first on read).
 */
export class DynamoWebhookStore implements WebhookStore {
  constructor(private readonly table: DynamoTable) {}

  async put(webhook: Webhook): Promise<void> {
    await this.table.put({
      ...hookKey(webhook.id),
      gsi1pk: `PROJECT#${webhook.projectId}#WEBHOOKS`,
      gsi1sk: `${webhook.createdAt}#${webhook.id}`,
      entity: 'webhook',
      ...webhook,
    });
  }

  async get(id: string): Promise<Webhook | undefined> {
    return toEntity<Webhook>(await this.table.get(hookKey(id)));
  }

  async listByProject(projectId: string): Promise<Webhook[]> {
    const items = await this.table.queryAll({ index: 'gsi1', partition: `PROJECT#${projectId}#WEBHOOKS` });
    return items.map((i) => toEntity<Webhook>(i)!);
  }

  delete(id: string): Promise<boolean> {
    return this.table.delete(hookKey(id), { ifExists: true });
  }

  async createEvent(event: WebhookEvent): Promise<{ created: boolean; event: WebhookEvent }> {
    if (await this.table.put({ ...eventKey(event.id), entity: 'webhook-event', expiresAt: expiry(event.createdAt), ...event }, { ifNotExists: true })) {
      return { created: true, event };
    }
    return { created: false, event: (await this.getEvent(event.id))! };
  }

  async getEvent(id: string): Promise<WebhookEvent | undefined> {
    return toEntity<WebhookEvent>(await this.table.get(eventKey(id)));
  }

  async startAttempt(id: string, attempt: number, at: string, staleBefore: string): Promise<WebhookEvent | undefined> {
    const item = await this.table.update(
      eventKey(id),
      { set: { attempts: attempt, attemptStartedAt: at } },
      {
        expression: '#st = :pending AND (#at = :prev OR (#at = :cur AND #sa < :stale))',
        names: { '#st': 'status', '#at': 'attempts', '#sa': 'attemptStartedAt' },
        values: { ':pending': 'pending', ':prev': attempt - 1, ':cur': attempt, ':stale': staleBefore },
      },
    );
    return toEntity<WebhookEvent>(item);
  }

  async finishEvent(id: string, status: 'delivered' | 'failed'): Promise<void> {
    await this.table.update(eventKey(id), { set: { status } }, { expression: 'attribute_exists(pk)' });
  }

  async recordAttempt(a: DeliveryAttempt): Promise<void> {
    await this.table.put({
      pk: `WEBHOOK#${a.webhookId}`,
      sk: `ATTEMPT#${a.at}#${a.eventId}#${a.attempt}`,
      entity: 'webhook-attempt',
      expiresAt: expiry(a.at),
      ...a,
    });
  }

  async listAttempts(webhookId: string, limit = 50): Promise<DeliveryAttempt[]> {
    const page = await this.table.query({ partition: `WEBHOOK#${webhookId}`, prefix: 'ATTEMPT#', descending: true, limit, consistent: true });
    return page.items.map((i) => toEntity<DeliveryAttempt>(i)!);
  }
}
