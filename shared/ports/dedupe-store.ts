/**
 * Remembers that something happened once (a webhook delivery, a schedule slot, a continuation).
 *
 * Semantics: `claim` is atomic: of any number of concurrent calls with one key, exactly one resolves `true`
 * until the record expires; later calls resolve `false`. Expiry is checked on read, so an expired record
 * can be claimed again even where the store never deletes it.
 */
export interface DedupeStore {
  claim(key: string, ttlSeconds: number, now?: Date): Promise<boolean>;
  /** Releases a claim (after a failure, so a retry can proceed). Safe to call twice. */
  release(key: string): Promise<void>;
}
