/**
 * Recycled buffers for a step's output. A step printing hundreds of MB is read a few MiB at a time; a fresh
 * buffer per read costs the agent more than the reading itself (every read touches new memory, page by page,
 * and the garbage collector runs for the buffers it leaves), so large reads take their buffer from here and
 * the log stream gives it back once its contents are uploaded (or copied). A buffer that is never given back
 * is simply collected. Whoever gives a buffer back must hold no other reference to it, nor to a view of it.
 */
export class OutputBuffers {
  private readonly free: ArrayBuffer[] = [];
  /** The memory this pool handed out (a view given back is recycled only when its memory came from here). */
  private readonly ours = new WeakSet<ArrayBuffer>();

  constructor(
    /** The size of every buffer (the spool reader's largest read). */
    readonly size = 4 * 1024 * 1024,
    /** Buffers kept for reuse at most (the rest are left to the garbage collector). */
    private readonly keep = 8,
  ) {}

  /** A buffer of `size` bytes (its contents are whatever was there before). */
  take(): Buffer {
    const memory = this.free.pop();
    if (memory) return Buffer.from(memory);
    const buf = Buffer.allocUnsafeSlow(this.size);
    this.ours.add(buf.buffer as ArrayBuffer);
    return buf;
  }

  /** Whether `buf` is (a view of) a buffer from this pool. */
  owns(buf: Buffer): boolean {
    return this.ours.has(buf.buffer as ArrayBuffer);
  }

  /** Gives back the memory under `buf` (a buffer from `take`, or a view of one); anything else is ignored. */
  give(buf: Buffer): void {
    const memory = buf.buffer as ArrayBuffer;
    if (!this.ours.has(memory) || this.free.length >= this.keep || this.free.includes(memory)) return;
    this.free.push(memory);
  }
}

/** The pool the spool readers and log streams of this agent share. */
export const outputBuffers = new OutputBuffers();
