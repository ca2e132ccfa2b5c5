import type { BranchOutcome, EmailNotificationLevel, NotificationPreferenceStore, UserNotificationPreferences } from '../../ports/notification-preferences';
import { toEntity, type DynamoTable } from './dynamo-table';

const userKey = (id: string) => ({ pk: `USER#${id}`, sk: 'NOTIFY' });
const emailKey = (email: string) => ({ pk: `NOTIFYEMAIL#${email.toLowerCase()}`, sk: 'META' });
const projectKey = (slug: string) => ({ pk: `PROJECT#${slug}`, sk: 'NOTIFY' });

/** Notification settings in the single table: beside the user and the project, an email → user item, one item per branch and workflow name. */
export class DynamoNotificationPreferences implements NotificationPreferenceStore {
  constructor(private readonly table: DynamoTable) {}

  async getUser(userId: string): Promise<UserNotificationPreferences | undefined> {
    return toEntity<UserNotificationPreferences>(await this.table.get(userKey(userId)));
  }

  async putUser(prefs: UserNotificationPreferences): Promise<void> {
    const before = await this.getUser(prefs.userId);
    await this.table.put({ ...userKey(prefs.userId), entity: 'notify-user', ...prefs });
    if (prefs.email) await this.table.put({ ...emailKey(prefs.email), entity: 'notify-email', userId: prefs.userId });
    if (before?.email && before.email.toLowerCase() !== prefs.email?.toLowerCase() && (await this.findUserIdByEmail(before.email)) === prefs.userId) {
      await this.table.delete(emailKey(before.email));
    }
  }

  async findUserIdByEmail(email: string): Promise<string | undefined> {
    const item = await this.table.get(emailKey(email));
    return item ? String(item.userId) : undefined;
  }

  async getProject(projectSlug: string): Promise<{ emailNotifications: EmailNotificationLevel } | undefined> {
    const item = await this.table.get(projectKey(projectSlug));
    return item ? { emailNotifications: item.emailNotifications as EmailNotificationLevel } : undefined;
  }

  async putProject(projectSlug: string, prefs: { emailNotifications: EmailNotificationLevel }): Promise<void> {
    await this.table.put({ ...projectKey(projectSlug), entity: 'notify-project', emailNotifications: prefs.emailNotifications });
  }

  async recordOutcome(
    key: { projectSlug: string; branch: string; workflowName: string },
    outcome: Omit<BranchOutcome, 'previousStatus'>,
  ): Promise<BranchOutcome | undefined> {
    const k = { pk: `PROJECT#${key.projectSlug}`, sk: `OUTCOME#${key.branch}#${key.workflowName}` };
    const stored = toEntity<BranchOutcome>(await this.table.get(k));
    if (stored?.workflowId === outcome.workflowId) return stored;
    if (stored && stored.createdAt > outcome.createdAt) return undefined;
    const record: BranchOutcome = { ...outcome, previousStatus: stored?.status };
    const written = await this.table.update(
      k,
      { set: { ...record, entity: 'notify-outcome' } },
      stored ? { expression: '#w = :w', names: { '#w': 'workflowId' }, values: { ':w': stored.workflowId } } : { expression: 'attribute_not_exists(pk)' },
    );
    // Another workflow of the branch was recorded meanwhile: read again (it may be this one, recorded twice).
    return written ? record : this.recordOutcome(key, outcome);
  }
}
