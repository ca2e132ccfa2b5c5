import { isUtf8 } from 'node:buffer';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { INLINE_OUTPUT_MAX_BYTES } from '../shared/model/job-spec';
import type { SecretMasker } from './mask';
import { outputBuffers } from './output-buffers';
import { realTimers, type Timers } from './timers';

export interface LogSink {
  /**
   * Uploads chunk `seq` of a step. Must be retried by the implementation on transient errors. The body's
   * memory may be reused for later output once the upload has succeeded: copy it to keep it.
   */
  upload(step: number, seq: number, body: Buffer): Promise<void>;
}

/** The largest cut ≤ `at` that does not split a UTF-8 character (a character cut short at the end stays after it). */
function charBoundary(buf: Buffer, at: number): number {
  let cut = at;
  for (let back = 0; back < 3 && cut > 0 && cut < buf.length && (buf[cut] & 0xc0) === 0x80; back++) cut--;
  if (cut > 0 && cut === buf.length) {
    // The last character may still be arriving: keep it back when its lead byte promises more bytes.
    let lead = cut - 1;
    while (lead > 0 && cut - lead < 4 && (buf[lead] & 0xc0) === 0x80) lead--;
    const b = buf[lead];
    const size = b >= 0xf8 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (lead + size > cut) cut = lead;
  }
  return cut;
}

/**
 * When a step's output is uploaded. Chunks cost an S3 PUT each, so output is batched, while a viewer tailing
 * a step still sees its first output within about a second.
 */
export interface LogPolicy {
  /** Upload as soon as this many bytes are pending (default 4 MiB). */
  maxChunkBytes: number;
  /**
   * The step's first upload: this long after its first output (default 1 s). While nobody watches, output that
   * small enough to travel in a report goes as the step's preview instead (see `StepLogStream.onPreview`).
   */
  firstFlushMs: number;
  /** Later uploads: this long after the previous one (default 15 s)... */
  flushIntervalMs: number;
  /** ...unless fewer than `minChunkBytes` are pending (default 64 KiB): then up to `maxIntervalMs` (default 30 s). */
  minChunkBytes: number;
  maxIntervalMs: number;
  /**
   * A step whose whole output is at most this many bytes (after masking) and of which nothing was uploaded
   * yet is not uploaded at all: it is kept as `inline`, for the step's final report (default
   * `INLINE_OUTPUT_MAX_BYTES`; 0 uploads everything).
   */
  inlineMaxBytes: number;
}

export const DEFAULT_LOG_POLICY: LogPolicy = {
  maxChunkBytes: 4 * 1024 * 1024,
  firstFlushMs: 1000,
  flushIntervalMs: 15_000,
  minChunkBytes: 64 * 1024,
  maxIntervalMs: 30_000,
  inlineMaxBytes: INLINE_OUTPUT_MAX_BYTES,
};

/** While someone watches the job (the control plane's replies say `live`): output goes up within about 2 s. */
export const LIVE_FLUSH_MS = 2000;

/** `policy` while watched: every `LIVE_FLUSH_MS` at most, however little is pending. */
function livePolicy(policy: LogPolicy): LogPolicy {
  return {
    ...policy,
    flushIntervalMs: Math.min(policy.flushIntervalMs, LIVE_FLUSH_MS),
    maxIntervalMs: Math.min(policy.maxIntervalMs, LIVE_FLUSH_MS),
    minChunkBytes: 0,
  };
}

/**
 * Buffers one step's output, masks secrets, and uploads it in chunks as `LogPolicy` says, and always at the
 * end. Works on bytes (no decoding on the hot path); invalid UTF-8 is replaced with U+FFFD, never dropped;
 * `\r` progress output is kept as written for the viewer to render; nothing is truncated. Secrets are masked
 * over everything pending before a tail that could start a secret is held back, so a secret split across
 * writes is still masked; only bytes that could start a secret (or complete a character) are held back, so
 * ordinary output is never held. While `live` (someone watches), uploads follow the live policy instead.
 * Uploads are sequential so chunk order is preserved; reading goes on meanwhile. A step that ends with little
 * output, none of it uploaded, uploads nothing: its masked output is `inline`, for the step's final report.
 */
export class StepLogStream {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private seq = 0;
  private uploading: Promise<void> = Promise.resolve();
  /** Chunks handed to the sink and not yet uploaded. */
  private queued = 0;
  private timer: unknown;
  private lastFlushAt: number | undefined;
  private failed: unknown;
  private readonly base: LogPolicy;
  private readonly live: LogPolicy;
  private policy: LogPolicy;
  /** Bytes of output kept (uploaded, or inline). */
  bytes = 0;
  /** After `close`: the whole (masked) output when it was kept for the step report rather than uploaded. */
  inline: string | undefined;
  /**
   * Called at most once, when the first upload is due while nobody watches and the (masked) output so far is
   * at most `inlineMaxBytes`: the step's output so far, for its running report, instead of an upload. Returns
   * `false` to have it uploaded after all. The output stays pending and goes up later as usual (in the next
   * chunk, or `inline`), so a viewer who opens the job meanwhile sees it without an S3 PUT per step.
   */
  onPreview?: (text: string) => boolean;
  private previewed = false;

  constructor(
    private readonly step: number,
    private readonly sink: LogSink,
    private readonly masker: SecretMasker,
    policy: Partial<LogPolicy> = {},
    private readonly timers: Timers = realTimers,
  ) {
    this.base = { ...DEFAULT_LOG_POLICY, ...policy };
    if (policy.flushIntervalMs !== undefined && policy.firstFlushMs === undefined)
      this.base.firstFlushMs = Math.min(DEFAULT_LOG_POLICY.firstFlushMs, policy.flushIntervalMs);
    this.live = livePolicy(this.base);
    this.policy = this.base;
  }

  /** Switches between the live policy (someone watches the job) and the batching one; pending output is rescheduled. */
  setLive(live: boolean): void {
    const policy = live ? this.live : this.base;
    if (policy === this.policy) return;
    this.policy = policy;
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.arm(this.due());
  }

  /** How long until the next upload is due. */
  private due(): number {
    return this.lastFlushAt === undefined ? this.policy.firstFlushMs : Math.max(0, this.lastFlushAt + this.policy.flushIntervalMs - this.timers.now());
  }

  /**
   * Whether more output is welcome now: at most three chunks wait behind the one uploading. A reader that can
   * leave output where it is (a spool file) holds back while this is false, rather than piling it up in memory.
   */
  get ready(): boolean {
    return this.queued < 4;
  }

  write(data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= this.policy.maxChunkBytes) this.flush(false);
    else if (this.timer === undefined) this.arm(this.due());
  }

  /** Writes a line of agent commentary (not from the user's command). */
  note(line: string): void {
    this.write(`${line}\n`);
  }

  private arm(ms: number): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      const since = this.lastFlushAt === undefined ? Infinity : this.timers.now() - this.lastFlushAt;
      // Little output since the last chunk: wait longer rather than pay a PUT for a few lines.
      if (this.pendingBytes < this.policy.minChunkBytes && since < this.policy.maxIntervalMs) this.arm(this.policy.maxIntervalMs - since);
      else this.flush(false);
    }, ms);
  }

  private flush(final: boolean): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const pieces = this.pending;
    let all = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, this.pendingBytes);
    // Recycled read buffers (see OutputBuffers) go back as soon as nothing here refers to them any more.
    if (pieces.length > 1) pieces.forEach((p) => outputBuffers.give(p));
    if (this.masker.active) {
      const masked = this.masker.maskBuffer(all);
      if (masked !== all) outputBuffers.give(all);
      all = masked;
    }
    // Hold back a tail that could be the start of a secret, or of a character, still arriving: in memory of its
    // own (it is a few bytes), so that `all` is referred to only by what is uploaded.
    const cut = final ? all.length : charBoundary(all, all.length - (this.masker.active ? this.masker.partialSecretBytes(all) : 0));
    const head = all.subarray(0, cut);
    const tail = cut < all.length ? Buffer.from(all.subarray(cut)) : undefined;
    this.pending = tail ? [tail] : [];
    this.pendingBytes = tail?.length ?? 0;
    if (!head.length) return outputBuffers.give(all);
    this.lastFlushAt = this.timers.now();
    const body = isUtf8(head) ? head : Buffer.from(head.toString('utf8'), 'utf8');
    if (body !== head) outputBuffers.give(all);
    if (!final && this.seq === 0 && !this.previewed && this.policy === this.base && body.length <= this.policy.inlineMaxBytes && this.onPreview) {
      this.previewed = true;
      const text = body.toString('utf8');
      if (this.onPreview(text)) {
        // Kept for the next chunk (masked already: masking it again changes nothing), ahead of the held-back tail.
        const copy = Buffer.from(text, 'utf8');
        outputBuffers.give(body);
        this.pending.unshift(copy);
        this.pendingBytes += copy.length;
        return;
      }
    }
    this.bytes += body.length;
    if (final && this.seq === 0 && body.length <= this.policy.inlineMaxBytes) {
      this.inline = body.toString('utf8');
      outputBuffers.give(body);
      return;
    }
    const seq = this.seq++;
    this.queued++;
    this.uploading = this.uploading
      .then(() => this.sink.upload(this.step, seq, body))
      .then(
        () => outputBuffers.give(body),
        (e) => {
          this.failed ??= e;
        },
      )
      .finally(() => this.queued--);
  }

  /** Flushes everything and waits for the uploads; throws if any upload failed for good. */
  async close(): Promise<void> {
    this.flush(true);
    await this.uploading;
    if (this.failed) throw this.failed;
  }
}

/**
 * A presigned log URL is used only this soon after it was fetched: the control plane's expire after 10 minutes
 * (`PRESIGNED_URL_TTL_SECONDS`), and a step may print nothing for longer than that between two chunks.
 */
export const URL_MAX_AGE_MS = 8 * 60_000;

/** PUTs one chunk to a presigned URL (S3); resolves the HTTP status. */
export type ChunkPut = (url: string, body: Buffer) => Promise<number>;

/** A plain `node:http(s)` PUT: sends the chunk as is (fetch would copy every body once more). */
const httpPut: ChunkPut = (url, body) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'PUT', headers: { 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });

/**
 * Uploads chunks to presigned URLs fetched from the control plane in batches of `batch` per step (the agent
 * fetches them together with its step reports), retrying transient S3 errors.
 */
export class PresignedLogSink implements LogSink {
  private readonly urls = new Map<string, { url: string; at: number }>();
  constructor(
    private readonly fetchUrls: (step: number, from: number, count: number) => Promise<string[]>,
    private readonly put: ChunkPut = httpPut,
    private readonly batch = 16,
    private readonly now: () => number = Date.now,
  ) {}

  /** A URL fetched for chunk `seq` of `step` that has not expired yet (fetched within `URL_MAX_AGE_MS`). */
  private fresh(step: number, seq: number): string | undefined {
    const got = this.urls.get(`${step}:${seq}`);
    return got && this.now() - got.at < URL_MAX_AGE_MS ? got.url : undefined;
  }

  /** Fetches the URLs of chunks `seq`.. of `step` (one batch) unless a fresh one for `seq` is at hand. */
  async prefetch(step: number, seq: number): Promise<void> {
    if (this.fresh(step, seq)) return;
    const at = this.now();
    const urls = await this.fetchUrls(step, seq, this.batch);
    urls.forEach((url, i) => this.urls.set(`${step}:${seq + i}`, { url, at }));
  }

  async upload(step: number, seq: number, body: Buffer): Promise<void> {
    await this.prefetch(step, seq);
    const url = this.urls.get(`${step}:${seq}`)!.url;
    this.urls.delete(`${step}:${seq}`);
    for (let attempt = 0; ; attempt++) {
      let status: number;
      try {
        status = await this.put(url, body);
      } catch (e) {
        if (attempt >= 4) throw e;
        status = 0;
      }
      if (status >= 200 && status < 300) return;
      if ((status && status < 500 && status !== 429) || attempt >= 4) throw new Error(`log upload failed: HTTP ${status || 'network error'}`);
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}
