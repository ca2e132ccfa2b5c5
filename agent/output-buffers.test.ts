import { closeSync, mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolReader, openSpool } from './executors/spool';
import { StepLogStream } from './log-stream';
import { SecretMasker } from './mask';
import { OutputBuffers, outputBuffers } from './output-buffers';

const SIZE = outputBuffers.size;

/** A pooled buffer filled with `fill`, with `text` written at `at`. */
function pooled(fill: string, text = '', at = 0): Buffer {
  const buf = outputBuffers.take();
  buf.fill(fill);
  buf.write(text, at);
  return buf;
}

describe('OutputBuffers', () => {
  it('hands out recycled memory only after it is given back, and ignores memory it did not hand out', () => {
    const pool = new OutputBuffers(1024, 2);
    const a = pool.take();
    const b = pool.take();
    expect(a.buffer).not.toBe(b.buffer);
    pool.give(Buffer.alloc(1024));
    pool.give(a.subarray(0, 10));
    pool.give(a);
    const c = pool.take();
    expect(c.buffer).toBe(a.buffer);
    expect(c.length).toBe(1024);
    expect(pool.take().buffer).not.toBe(b.buffer);
  });
});

describe('StepLogStream with recycled read buffers', () => {
  it('masks a secret split across two large reads and uploads what was read, though the memory is reused', async () => {
    const uploads: string[] = [];
    // The sink keeps a copy, as LogSink says: the body's memory is reused once the upload succeeded.
    const log = new StepLogStream(0, { upload: async (_s, _q, body) => void uploads.push(body.toString('latin1')) }, new SecretMasker(['hunter22']), {
      flushIntervalMs: 60_000,
    });
    log.write(pooled('a', 'hunt', SIZE - 4));
    log.write(pooled('b', 'er22'));
    log.write(pooled('c'));
    await log.close();
    const all = uploads.join('');
    expect(all.length).toBe(3 * SIZE - 'hunter22'.length + '********'.length);
    expect(all.slice(SIZE - 8, SIZE + 8)).toBe('aaaa********bbbb');
    expect(all.endsWith('c'.repeat(SIZE))).toBe(true);
    // Later reads take the memory the uploads gave back.
    const next = outputBuffers.take();
    expect(outputBuffers.owns(next)).toBe(true);
    outputBuffers.give(next);
  });

  it('streams a spool larger than the pool through reused buffers without losing or mixing bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-output-buffers-'));
    try {
      const { write, read } = openSpool(join(dir, 'spool.out'));
      const pieces = Array.from({ length: 5 }, (_, i) => String.fromCharCode(97 + i).repeat(SIZE));
      const uploads: string[] = [];
      // A sink that reads the body a moment later: memory given back too early would show other bytes.
      const sink = {
        upload: async (_s: number, _q: number, body: Buffer) =>
          void uploads.push(await new Promise<string>((r) => setImmediate(() => r(body.toString('latin1'))))),
      };
      const log = new StepLogStream(0, sink, new SecretMasker(['s3cr3t-value']));
      const reader = new SpoolReader(read, (d) => log.write(d));
      for (const piece of pieces) {
        writeSync(write, piece);
        reader.pump();
        reader.pump();
      }
      writeSync(write, 'tail\n');
      closeSync(write);
      reader.finish();
      await log.close();
      expect(uploads.join('')).toBe(pieces.join('') + 'tail\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('holding output back while the log stream is behind', () => {
  it('says it is not ready once four chunks wait for their upload, and ready again as they go up', async () => {
    const pending: Array<() => void> = [];
    const sink = { upload: () => new Promise<void>((resolve) => pending.push(resolve)) };
    const log = new StepLogStream(0, sink, new SecretMasker([]), { maxChunkBytes: 4 });
    for (let i = 0; i < 3; i++) log.write('abcd');
    expect(log.ready).toBe(true);
    log.write('efgh');
    expect(log.ready).toBe(false);
    await new Promise((r) => setImmediate(r));
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(log.ready).toBe(true);
    const closed = log.close();
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setImmediate(r));
      pending.shift()?.();
    }
    await closed;
  });

  it('leaves output in the spool while its receiver is not ready, counts it as output, and reads it all at the end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-output-held-'));
    try {
      const { write, read } = openSpool(join(dir, 'spool.out'));
      let ready = false;
      const got: Buffer[] = [];
      const reader = new SpoolReader(read, (d) => got.push(Buffer.from(d)), { ready: () => ready });
      writeSync(write, 'held back\n');
      reader.lastOutputAt = 0;
      expect(reader.pump()).toBe(0);
      expect(reader.lastOutputAt).toBeGreaterThan(0);
      ready = true;
      expect(reader.pump()).toBe(10);
      ready = false;
      writeSync(write, 'at the end\n');
      closeSync(write);
      reader.finish();
      expect(Buffer.concat(got).toString()).toBe('held back\nat the end\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
