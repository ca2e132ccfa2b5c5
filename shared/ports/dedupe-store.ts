/**
 * Remembers that something happened once (a webhook delivery, a schedule slot, a continuation), or how many
 * times it happened lately (failed authentications).
 *
 * Semantics: `claim` is atomic: of any number of concurrent calls with one key, exactly one resolves `true`
 * until the record expires; later calls resolve `false`. Expiry is checked on read, so an expired record
 * can be claimed again even where the store never deletes it.
 */
export interface DedupeStore {
  claim(key: string, ttlSeconds: number, now?: Date): Promise<boolean>;
  /** Releases a claim (after a failure, so a retry can proceed). Safe to call twice. */
  release(key: string): Promise<void>;
  /**
   * Adds one to the counter `key` and resolves the new count (atomic: N concurrent calls see 1..N, each
   * once). An absent or expired counter starts again at 1 with `ttlSeconds` from `now` (expiry checked on
   * read, as for claims; later hits do not extend it).
   */
  count(key: string, ttlSeconds: number, now?: Date): Promise<number>;
}
