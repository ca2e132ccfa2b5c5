import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, fstatSync, openSync, readSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { outputBuffers, type OutputBuffers } from '../output-buffers';

/**
 * A step's output spool. The step's stdout and stderr are one file (opened for appending and shared, so their
 * writes interleave as the step makes them) which the agent reads as it grows, a few MiB per read. A step
 * writing to a file never waits for the agent and wakes nobody: writing through a pipe costs a wake-up of
 * the reader every few KiB, which on a small machine costs more than the step itself when it prints a lot.
 *
 * What the agent has read is given back to the file system with `fallocate --punch-hole` every `punchBytes`
 * (the file keeps its length; its blocks are freed), so a step printing gigabytes holds at most about
 * `punchBytes` plus what is not yet read.
 */
export interface SpoolOptions {
  /** Poll period while output flows (default 50 ms); an idle spool is polled less often, up to `idlePollMs`. */
  pollMs?: number;
  idlePollMs?: number;
  /** The largest single read (default 4 MiB: the log stream's chunk size). */
  maxReadBytes?: number;
  /** Free what was read every this many bytes (default 64 MiB). */
  punchBytes?: number;
  /** Where large reads take their buffers (default: the agent's shared pool, which the log stream refills). */
  buffers?: OutputBuffers;
  /** Whether `onOutput` takes more now (default: always). */
  ready?: () => boolean;
}

const PAGE = 4096;
/** Poll period while output waits in the spool for its receiver. */
const HELD_POLL_MS = 10;
const GiB = 1024 ** 3;

let punchWorks: boolean | undefined;
/** Whether `fallocate --punch-hole` works here (util-linux; Linux file systems that support it). */
export function canPunchHoles(dir: string): boolean {
  if (punchWorks !== undefined) return punchWorks;
  const probe = join(dir, `.slipway-punch-probe-${process.pid}`);
  try {
    writeFileSync(probe, Buffer.alloc(2 * PAGE, 120));
    punchWorks = spawnSync('fallocate', ['--punch-hole', '--offset', '0', '--length', String(PAGE), probe], { stdio: 'ignore' }).status === 0;
  } catch {
    punchWorks = false;
  } finally {
    rmSync(probe, { force: true });
  }
  return punchWorks;
}

/** The memory file system most Linux machines mount. */
export const SHM = '/dev/shm';

/** Bytes free on `/dev/shm` for this process to write, 0 where it is missing or not writable. */
export function shmFreeBytes(): number {
  try {
    accessSync(SHM, constants.W_OK);
    const fs = statfsSync(SHM);
    return fs.bavail * fs.bsize;
  } catch {
    return 0;
  }
}

/**
 * Where spools go: `SLIPWAY_SPOOL_DIR` when set; else `/dev/shm` (memory: no disk writes) when it is writable,
 * has at least 1 GiB free and read output can be freed by punching holes; else `fallback` (the task's folder).
 */
export function spoolDir(fallback: string, env: Record<string, string | undefined> = process.env): string {
  if (env.SLIPWAY_SPOOL_DIR) return env.SLIPWAY_SPOOL_DIR;
  return shmFreeBytes() >= GiB && canPunchHoles(SHM) ? SHM : fallback;
}

/**
 * Creates a spool for a step: `write` is for the child's stdout and stderr (appending), `read` for the agent.
 * The file is unlinked at once, so it has no name while it lives and is freed when the last descriptor
 * closes: an agent killed mid-step leaves nothing behind.
 */
export function openSpool(file: string): { write: number; read: number } {
  const fds = { write: openSync(file, 'ax', 0o600), read: openSync(file, 'r') };
  rmSync(file, { force: true });
  return fds;
}

/**
 * Reads a spool file as it grows and hands each new piece of output to `onOutput`. While `ready` says no (the
 * receiver is behind, uploading), output stays in the spool until a later poll: reading further ahead would
 * only move the backlog from the file into fresh memory. `finish` reads everything regardless.
 */
export class SpoolReader {
  private fd: number | undefined;
  private offset = 0;
  private punched = 0;
  /** A punch of this spool failed (its file system cannot, say): it is not tried again. */
  private punchFailed = false;
  /** The `fallocate` in flight, if any: the descriptor it opens by number must stay ours until it is done. */
  private puncher: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idle = 0;
  /** The last poll left output in the spool because the receiver was not ready. */
  private held = false;
  private stopped = false;
  /** When output was last read (ms since the epoch). */
  lastOutputAt = Date.now();

  /**
   * `spool` is the file's path (opened when it appears: the container shim creates it), or the read
   * descriptor of an unlinked spool from `openSpool`, which the reader then owns.
   */
  constructor(
    spool: string | number,
    private readonly onOutput: (data: Buffer) => void,
    private readonly options: SpoolOptions = {},
  ) {
    if (typeof spool === 'number') this.fd = spool;
    else this.file = spool;
  }

  private readonly file: string | undefined;

  /** A path `fallocate` can open the spool by: its name, or the agent's descriptor of an unlinked spool. */
  private get path(): string | undefined {
    return this.file ?? (this.fd === undefined ? undefined : `/proc/${process.pid}/fd/${this.fd}`);
  }

  /**
   * Reads what was written so far (everything when `drain`, else whole pieces once the first is read);
   * resolves how many bytes that was. A missing file is no output yet.
   */
  pump(drain = false): number {
    if (this.fd === undefined) {
      if (this.file === undefined) return 0;
      try {
        this.fd = openSync(this.file, 'r');
      } catch {
        return 0;
      }
    }
    const max = this.options.maxReadBytes ?? 4 * 1024 * 1024;
    let total = 0;
    let unread = false;
    this.held = false;
    for (;;) {
      const size = fstatSync(this.fd).size;
      const want = Math.min(size - this.offset, max);
      // While output pours in, read whole pieces only: the rest waits for the next poll, so pieces reach the
      // log stream at its chunk size and are uploaded as they are instead of being joined first.
      if (want <= 0 || (!drain && total > 0 && want < max)) break;
      if (!drain && this.options.ready?.() === false) {
        unread = this.held = true;
        break;
      }
      // A buffer of its own per read (the log stream keeps it until it is uploaded): a recycled one for large
      // reads, which the log stream gives back once uploaded; small reads are cheap to allocate.
      const buf = this.buffer(want);
      const n = readSync(this.fd, buf, 0, want, this.offset);
      if (n <= 0) break;
      this.offset += n;
      total += n;
      this.onOutput(n === buf.length ? buf : buf.subarray(0, n));
    }
    // Output held back in the spool is output all the same (for the no-output timeout).
    if (total || unread) this.lastOutputAt = Date.now();
    if (total) this.punch();
    return total;
  }

  private buffer(want: number): Buffer {
    const pool = this.options.buffers ?? outputBuffers;
    return want >= pool.size / 4 && want <= pool.size ? pool.take() : Buffer.allocUnsafe(want);
  }

  /** Gives the blocks of output already read back to the file system (once `punchBytes` have piled up). */
  private punch(): void {
    const upTo = Math.floor(this.offset / PAGE) * PAGE;
    const path = this.path;
    if (this.puncher || this.punchFailed || upTo - this.punched < (this.options.punchBytes ?? 64 * 1024 * 1024) || punchWorks === false || !path) return;
    const from = this.punched;
    const child = spawn('fallocate', ['--punch-hole', '--offset', String(from), '--length', String(upTo - from), path], { stdio: 'ignore' });
    this.puncher = child;
    child.on('error', () => {
      punchWorks = false;
      this.puncher = undefined;
    });
    child.on('exit', (code) => {
      this.puncher = undefined;
      if (code === 0) this.punched = upTo;
      else this.punchFailed = true;
    });
  }

  /** Polls the spool: every `pollMs` while output flows, backing off to `idlePollMs` while it is silent. */
  follow(): this {
    const fast = this.options.pollMs ?? 50;
    const slow = Math.max(fast, this.options.idlePollMs ?? 250);
    const tick = () => {
      if (this.stopped) return;
      this.idle = this.pump() || this.held ? 0 : this.idle + 1;
      // Output waiting for its receiver is looked at again soon: the receiver is usually ready within a few ms.
      this.timer = setTimeout(tick, this.held ? Math.min(fast, HELD_POLL_MS) : Math.min(slow, fast * 2 ** Math.min(this.idle, 8)));
    };
    this.timer = setTimeout(tick, fast);
    return this;
  }

  /** Reads what is left, stops polling and closes the spool; `remove` also deletes a named spool file. */
  finish(remove = true): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.pump(true);
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return this.removeFile(remove);
    // A punch in flight opens /proc/<pid>/fd/<n>: closing now could let another file take that number first.
    if (this.puncher) {
      let closed = false;
      const close = () => {
        if (!closed) closeSync(fd);
        closed = true;
      };
      this.puncher.once('close', close).once('error', close);
    } else closeSync(fd);
    this.removeFile(remove);
  }

  private removeFile(remove: boolean): void {
    if (remove && this.file !== undefined) rmSync(this.file, { force: true });
  }
}
