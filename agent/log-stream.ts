import { StringDecoder } from 'node:string_decoder';
import type { SecretMasker } from './mask';

export interface LogSink {
  /** Uploads chunk `seq` of a step. Must be retried by the implementation on transient errors. */
  upload(step: number, seq: number, body: Buffer): Promise<void>;
}

/**
 * Buffers one step's output, masks secrets, and uploads it in chunks: when a chunk reaches `maxChunkBytes`,
 * when `flushIntervalMs` passed since the last upload (live tailing), and at the end. Invalid UTF-8 is
 * replaced, never dropped; nothing is truncated. Uploads are sequential so chunk order is preserved.
 */
export class StepLogStream {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
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
    this.pending += typeof data === 'string' ? data : this.decoder.write(data);
    if (this.pending.length >= this.options.maxChunkBytes) this.flush(false);
    else if (!this.timer) this.timer = setTimeout(() => this.flush(false), this.options.flushIntervalMs);
  }

  /** Writes a line of agent commentary (not from the user's command). */
  note(line: string): void {
    this.write(`${line}\n`);
  }

  private flush(final: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (final) this.pending += this.decoder.end();
    // Hold back a tail that could be the start of a secret split across writes.
    const keep = final ? 0 : Math.min(this.masker.holdBack, this.pending.length);
    const text = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    if (!text) return;
    const body = Buffer.from(this.masker.mask(text), 'utf8');
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
