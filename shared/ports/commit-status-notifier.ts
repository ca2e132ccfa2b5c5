import type { Project } from '../model/entities';

/** GitHub's commit status states. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  /** Full 40-character commit sha. */
  revision: string;
  /** Status name, e.g. `ci/circleci: build`; one status per (revision, context), the latest wins. */
  context: string;
  state: CommitState;
  /** Link shown next to the status (the job in the UI). */
  targetUrl: string;
  /** One line for humans (GitHub truncates at 140 characters). */
  description: string;
}

/**
 * Reports job states on commits (GitHub commit statuses).
 *
 * Semantics: `post` sets the status of one (revision, context); posting the same status twice is harmless
 * and a later post replaces the earlier one, so callers should post the job's current state rather than the
 * state named in a (possibly reordered) message. Transient provider errors (5xx, secondary rate limits,
 * exhausted rate limit with a near reset) are retried inside `post` with backoff; when retries are exhausted
 * or the error is permanent it throws `VcsError` (the caller's queue retries). Safe to call concurrently.
 */
export interface CommitStatusNotifier {
  post(project: Project, status: CommitStatus): Promise<void>;
}
