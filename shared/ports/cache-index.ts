/** A saved cache as the index knows it: its key within its project, when it was saved and until when it is kept. */
export interface CacheEntry {
  key: string;
  /** ISO time the cache was saved (its upload URL handed out, or its object written for caches indexed later). */
  savedAt: string;
  /** ISO time after which the cache's object is gone (the bucket's lifecycle rule). */
  expiresAt: string;
}

/**
 * Which caches a project has, so that `restore_cache` finds the newest cache whose key starts with a given key
 * without listing the bucket (an S3 LIST costs as much as a PUT, and pages through every match).
 *
 * Semantics: `record` writes an entry per key (a later record of a key replaces it: a save whose upload failed is
 * saved again under the same key).
 * `find` returns the project's entries whose key starts with `prefix` and that have not expired at `now`, newest
 * first. An entry may name a cache whose upload has not completed or whose object is gone: the caller checks.
 * A project whose caches were all saved through the index, or added to it since, is `complete`; one saved
 * before the index existed is not, until `markComplete`.
 */
export interface CacheIndex {
  record(projectSlug: string, entries: CacheEntry[]): Promise<void>;
  find(projectSlug: string, prefix: string, now: Date): Promise<CacheEntry[]>;
  isComplete(projectSlug: string): Promise<boolean>;
  markComplete(projectSlug: string): Promise<void>;
}
