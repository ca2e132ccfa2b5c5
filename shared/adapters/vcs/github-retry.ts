import { VcsError } from '../../model/errors';

export interface RetryOptions {
  /** Attempts in all (first call included). */
  attempts?: number;
  /** Longest wait for one retry; a rate limit resetting later fails at once (the caller's queue retries). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** Milliseconds to wait before retrying `e`, or `undefined` when it is not worth retrying. */
export function retryDelay(e: unknown, attempt: number, now: number): number | undefined {
  const err = e as HttpError;
  const status = err?.status;
  const headers = err?.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter > 0 && (status === 403 || status === 429 || (status ?? 0) >= 500)) return retryAfter * 1000;
  if ((status === 403 || status === 429) && String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    return Number.isFinite(reset) ? Math.max(0, reset - now) + 1000 : 60_000;
  }
  if (status === 403 && /secondary rate limit|abuse/i.test(err.message ?? '')) return 60_000;
  if (status === 429 || (status !== undefined && status >= 500) || status === undefined) return Math.min(250 * 2 ** attempt, 8_000);
  return undefined;
}

/**
 * Runs a GitHub API call, retrying server errors and network failures with exponential backoff and honouring
 * rate limits (`retry-after`, `x-ratelimit-reset`) up to `maxWaitMs`. Other errors are rethrown as they are.
 */
export async function withGitHubRetries<T>(what: string, call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const maxWait = options.maxWaitMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const delay = retryDelay(e, attempt, now());
      if (delay === undefined) throw e;
      if (attempt + 1 >= attempts || delay > maxWait) {
        const status = (e as HttpError).status;
        throw new VcsError(
          `GitHub ${what} failed${status ? ` (HTTP ${status})` : ''}: ${(e as Error).message}. ${delay > maxWait ? `Rate limited for ${Math.ceil(delay / 1000)} s more; ` : ''}it will be retried.`,
          { what, status },
          { cause: e },
        );
      }
      await sleep(delay);
    }
  }
}
