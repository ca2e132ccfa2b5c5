import { isUtf8 } from 'node:buffer';
import type { SecretMasker } from './mask';

export interface LogSink {
  /** Uploads chunk `seq` of a step. Must be retried by the implementation on transient errors. */
  upload(step: number, seq: number, body: Buffer): Promise<void>;
}

/** The largest cut ≤ `at` that does not split a UTF-8 character. */
function charBoundary(buf: Buffer, at: number): number {
  let cut = at;
  for (let back = 0; back < 3 && cut > 0 && cut < buf.length && (buf[cut] & 0xc0) === 0x80; back++) cut--;
  return cut;
}

/**
 * Buffers one step's output, masks secrets, and uploads it in chunks: when a chunk reaches `maxChunkBytes`,
 * when `flushIntervalMs` passed since the last upload (live tailing), and at the end. Works on bytes (no
 * decoding on the hot path); invalid UTF-8 is replaced with U+FFFD, never dropped; `\r` progress output is
 * kept as written for the viewer to render; nothing is truncated. Secrets are masked over everything pending
 * before a tail that could start a secret is held back, so a secret split across writes is still masked.
 * Uploads are sequential so chunk order is preserved.
 */
export class StepLogStream {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private seq = 0;
  private uploading: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failed: unknown;
  bytes = 0;

  constructor(
    private readonly step: number,
    private readonly sink: LogSink,
    private readonly masker: SecretMasker,
    private readonly options: { maxChunkBytes: number; flushIntervalMs: number } = { maxChunkBytes: 4 * 1024 * 1024, flushIntervalMs: 5000 },
  ) {}

  write(data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= this.options.maxChunkBytes) this.flush(false);
    else if (!this.timer) this.timer = setTimeout(() => this.flush(false), this.options.flushIntervalMs);
  }

  /** Writes a line of agent commentary (not from the user's command). */
  note(line: string): void {
    this.write(`${line}\n`);
  }

  private flush(final: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    if (this.masker.active) all = this.masker.maskBuffer(all);
    // Hold back a tail that could be the start of a secret, or of a character, still arriving.
    const cut = final ? all.length : charBoundary(all, Math.max(0, all.length - Math.max(this.masker.holdBackBytes, 3)));
    const head = all.subarray(0, cut);
    const tail = all.subarray(cut);
    this.pending = tail.length ? [tail] : [];
    this.pendingBytes = tail.length;
    if (!head.length) return;
    const body = isUtf8(head) ? head : Buffer.from(head.toString('utf8'), 'utf8');
    this.bytes += body.length;
    const seq = this.seq++;
    this.uploading = this.uploading.then(() => this.sink.upload(this.step, seq, body)).catch((e) => {
      this.failed ??= e;
    });
  }

  /** Flushes everything and waits for the uploads; throws if any upload failed for good. */
  async close(): Promise<void> {
    this.flush(true);
    await this.uploading;
    if (this.failed) throw this.failed;
  }
}

/** Uploads chunks to presigned URLs fetched from the control plane in batches. */
export class PresignedLogSink implements LogSink {
  private readonly urls = new Map<string, string>();
  constructor(private readonly fetchUrls: (step: number, from: number, count: number) => Promise<string[]>) {}

  async upload(step: number, seq: number, body: Buffer): Promise<void> {
    let url = this.urls.get(`${step}:${seq}`);
    if (!url) {
      const batch = await this.fetchUrls(step, seq, 16);
      batch.forEach((u, i) => this.urls.set(`${step}:${seq + i}`, u));
      url = batch[0];
    }
    this.urls.delete(`${step}:${seq}`);
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(url, { method: 'PUT', body });
        if (res.ok) return;
        if (res.status < 500 || attempt >= 4) throw new Error(`log upload failed: HTTP ${res.status}`);
      } catch (e) {
        if (attempt >= 4) throw e;
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}
