import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AuditEvent, AuditLog } from '../../ports/audit-log';

const HOUR_MS = 3600_000;
const pad = (n: number) => String(n).padStart(2, '0');
/** `audit/yyyy/mm/dd/hh/` of an instant (UTC). */
export const hourPrefix = (d: Date) => `audit/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}/`;

/**
 * Audit records in S3: each flush writes one gzip-compressed JSON-lines object under the hour of its first
 * event (`audit/yyyy/mm/dd/hh/<time>-<uuid>.jsonl.gz`). With `retentionDays`, each object is written in
 * Object Lock compliance mode until then, so nobody (root included) can change or delete it before.
 */
export class S3AuditLog implements AuditLog {
  private buffer: AuditEvent[] = [];

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly options: { retentionDays?: number; now?: () => Date } = {},
  ) {}

  record(event: AuditEvent): void {
    this.buffer.push(event);
  }

  async flush(): Promise<void> {
    if (!this.buffer.length) return;
    const batch = this.buffer;
    this.buffer = [];
    const first = new Date(batch[0].occurred_at);
    const key = `${hourPrefix(first)}${first.toISOString().replace(/[:.]/g, '')}-${randomUUID()}.jsonl.gz`;
    const lock = this.options.retentionDays
      ? {
          ObjectLockMode: 'COMPLIANCE' as const,
          ObjectLockRetainUntilDate: new Date((this.options.now?.() ?? new Date()).getTime() + this.options.retentionDays * 24 * HOUR_MS),
          ChecksumAlgorithm: 'SHA256' as const,
        }
      : {};
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: gzipSync(batch.map((e) => JSON.stringify(e)).join('\n') + '\n'),
          ContentType: 'application/x-ndjson',
          ContentEncoding: 'gzip',
          ...lock,
        }),
      );
    } catch (e) {
      this.buffer = [...batch, ...this.buffer];
      throw e;
    }
  }

  async list(range: { from: Date; to: Date }): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    for (let h = Math.floor(range.from.getTime() / HOUR_MS) * HOUR_MS; h < range.to.getTime(); h += HOUR_MS) {
      let token: string | undefined;
      do {
        const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: hourPrefix(new Date(h)), ContinuationToken: token }));
        for (const obj of page.Contents ?? []) {
          const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: obj.Key! }));
          const text = gunzipSync(Buffer.from(await res.Body!.transformToByteArray())).toString('utf8');
          for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as AuditEvent);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    return out
      .filter((e) => e.occurred_at >= from && e.occurred_at < to)
      .sort((a, b) => a.occurred_at.localeCompare(b.occurred_at) || a.id.localeCompare(b.id));
  }
}
