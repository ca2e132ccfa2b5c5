/** Which workflow outcomes are emailed: every finished one, failures and fixes (the default), or none. */
export type EmailNotificationLevel = 'all' | 'failed_and_fixed' | 'none';

export interface UserNotificationPreferences {
  userId: string;
  /** Where the user's notifications go; none: the user gets no email. */
  email?: string;
  emailNotifications: EmailNotificationLevel;
}

/** The last finished workflow of a name on a branch, and the outcome of the one before it. */
export interface BranchOutcome {
  workflowId: string;
  status: string;
  createdAt: string;
  previousStatus?: string;
}

/**
 * Email notification settings (per user and per project) and the per-branch history that tells a "fixed"
 * workflow from a plain success.
 *
 * Semantics (every adapter passes `defineNotificationPreferencesContract`):
 * - `putUser` replaces a user's preferences; an email belongs to one user at a time (the latest `putUser`
 *   wins `findUserIdByEmail`, matched case-insensitively). `getUser`/`getProject` resolve `undefined` when
 *   nothing was set.
 * - `recordOutcome` stores a finished workflow as the latest of its branch and name and resolves the stored
 *   record with `previousStatus` (the status of the latest before it). It is idempotent: recording the same
 *   workflow again changes nothing and resolves the same `previousStatus`. A workflow created before the
 *   stored one does not replace it (resolves `undefined`).
 */
export interface NotificationPreferenceStore {
  getUser(userId: string): Promise<UserNotificationPreferences | undefined>;
  putUser(prefs: UserNotificationPreferences): Promise<void>;
  findUserIdByEmail(email: string): Promise<string | undefined>;
  getProject(projectSlug: string): Promise<{ emailNotifications: EmailNotificationLevel } | undefined>;
  putProject(projectSlug: string, prefs: { emailNotifications: EmailNotificationLevel }): Promise<void>;
  recordOutcome(
    key: { projectSlug: string; branch: string; workflowName: string },
    outcome: Omit<BranchOutcome, 'previousStatus'>,
  ): Promise<BranchOutcome | undefined>;
}
