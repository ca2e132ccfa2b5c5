import type { Readable } from 'node:stream';

export interface BlobInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * Object storage for logs, artifacts, caches, workspaces and test results (one bucket, prefixes per kind).
 *
 * Semantics: `put` overwrites (last writer wins) and is safe to retry; `putIfAbsent` never overwrites (caches
 * are immutable by key) and reports whether it wrote. `get` of a missing key resolves `undefined`. `list`
 * returns every key under the prefix in lexicographic order (it pages internally). Presigned URLs let agents
 * and browsers move bytes without passing through the control plane; they expire after `expiresInSeconds`.
 */
export interface BlobStore {
  put(key: string, body: Buffer | string | Readable, options?: { contentType?: string }): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  stream(key: string): Promise<Readable | undefined>;
  head(key: string): Promise<BlobInfo | undefined>;
  list(prefix: string): Promise<BlobInfo[]>;
  delete(keys: string[]): Promise<void>;
  presignPut(key: string, expiresInSeconds: number): Promise<string>;
  presignGet(key: string, expiresInSeconds: number, options?: { downloadName?: string }): Promise<string>;
}
