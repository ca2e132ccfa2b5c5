import { PresignedLogSink, StepLogStream, URL_MAX_AGE_MS } from './log-stream';
import { FakeClock } from '../test/support/fake-clock';
import { SecretMasker } from './mask';

function stream(secrets: string[], maxChunkBytes = 8) {
  const chunks: Buffer[] = [];
  const log = new StepLogStream(0, { upload: async (_s, _q, body) => void chunks.push(body) }, new SecretMasker(secrets), {
    maxChunkBytes,
    flushIntervalMs: 60_000,
  });
  return { log, text: async () => (await log.close(), Buffer.concat(chunks).toString('utf8')), chunks };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('StepLogStream', () => {
  it('masks a secret and its base64 form even when split across writes and chunks', async () => {
    const s = stream(['hunter22'], 4);
    for (const piece of [
      'pass=hun',
      'ter',
      '22; b64=',
      Buffer.from('hunter22').toString('base64').slice(0, 5),
      Buffer.from('hunter22').toString('base64').slice(5),
      ' end',
    ])
      s.log.write(piece);
    expect(await s.text()).toBe('pass=********; b64=******** end');
  });

  it('replaces invalid UTF-8, keeps characters split across writes, and keeps carriage returns', async () => {
    const s = stream([], 2);
    const euro = Buffer.from('€');
    s.log.write(Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]));
    s.log.write(Buffer.concat([euro.subarray(1), Buffer.from([0xff]), Buffer.from(' 10%\r 50%\r100%\n')]));
    expect(await s.text()).toBe('a€\uFFFD 10%\r 50%\r100%\n');
  });

  it('uploads short output at once when a long secret is in the list, holding back only what could start it', async () => {
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----${'k'.repeat(2000)}`;
    const s = stream([key], 4);
    const uploaded = async () => (await settle(), Buffer.concat(s.chunks).toString('utf8'));
    s.log.write('tick 1\n');
    expect(await uploaded()).toBe('tick 1\n');
    const start = '-----BEGIN OPEN';
    s.log.write(`key: ${start}`);
    expect(await uploaded()).toBe('tick 1\nkey: ');
    s.log.write(`${key.slice(start.length)} done\n`);
    expect(await uploaded()).toBe('tick 1\nkey: ******** done\n');
    expect(await s.text()).toBe('tick 1\nkey: ******** done\n');
  });

  it('holds back only a character cut short at the end of a write', async () => {
    const s = stream([], 2);
    const euro = Buffer.from('€');
    s.log.write(Buffer.concat([Buffer.from('ab'), euro.subarray(0, 2)]));
    expect((await settle(), Buffer.concat(s.chunks).toString('utf8'))).toBe('ab');
    s.log.write(Buffer.concat([euro.subarray(2), Buffer.from('!')]));
    expect(await s.text()).toBe('ab€!');
  });

  it('keeps every byte of large output', async () => {
    const s = stream(['secret-value'], 1024);
    const line = 'x'.repeat(99) + '\n';
    for (let i = 0; i < 2000; i++) s.log.write(line);
    expect(await s.text()).toBe(line.repeat(2000));
    expect(s.chunks.length).toBeGreaterThan(100);
  });

  describe('small output kept inline', () => {
    function inlineStream(secrets: string[], policy: { maxChunkBytes?: number; inlineMaxBytes?: number } = {}) {
      const uploads: Array<{ seq: number; body: string }> = [];
      const log = new StepLogStream(
        3,
        { upload: async (_s, seq, body) => void uploads.push({ seq, body: body.toString('utf8') }) },
        new SecretMasker(secrets),
        { flushIntervalMs: 60_000, ...policy },
      );
      return { log, uploads };
    }

    it('uploads nothing for a step whose whole output is small: the masked text is inline', async () => {
      const s = inlineStream(['hunter22']);
      s.log.write('login with hun');
      s.log.write('ter22\nok\n');
      await s.log.close();
      expect(s.uploads).toEqual([]);
      expect(s.log.inline).toBe('login with ********\nok\n');
      expect(s.log.bytes).toBe(Buffer.byteLength(s.log.inline!));
    });

    it('keeps output of exactly the limit inline and uploads one byte more', async () => {
      const at = inlineStream([], { inlineMaxBytes: 10 });
      at.log.write('0123456789');
      await at.log.close();
      expect([at.log.inline, at.uploads]).toEqual(['0123456789', []]);

      const over = inlineStream([], { inlineMaxBytes: 10 });
      over.log.write('0123456789!');
      await over.log.close();
      expect(over.log.inline).toBeUndefined();
      expect(over.uploads).toEqual([{ seq: 0, body: '0123456789!' }]);
      expect(over.log.bytes).toBe(11);
    });

    it('uploads the small rest of a step once part of its output was uploaded', async () => {
      const s = inlineStream([], { maxChunkBytes: 8 });
      s.log.write('first chunk\n');
      s.log.write('end\n');
      await s.log.close();
      expect(s.log.inline).toBeUndefined();
      expect(s.uploads).toEqual([
        { seq: 0, body: 'first chunk\n' },
        { seq: 1, body: 'end\n' },
      ]);
    });

    it('keeps nothing for a step without output, and uploads everything when inline output is off', async () => {
      const silent = inlineStream([]);
      await silent.log.close();
      expect([silent.log.inline, silent.uploads, silent.log.bytes]).toEqual([undefined, [], 0]);

      const off = inlineStream([], { inlineMaxBytes: 0 });
      off.log.write('hello\n');
      await off.log.close();
      expect([off.log.inline, off.uploads]).toEqual([undefined, [{ seq: 0, body: 'hello\n' }]]);
    });
  });
});

describe('StepLogStream: the first output as a preview while nobody watches', () => {
  function previewStream(secrets: string[], accept = true) {
    const clock = new FakeClock();
    const chunks: Array<{ at: number; text: string }> = [];
    const previews: Array<{ at: number; text: string }> = [];
    const log = new StepLogStream(
      0,
      { upload: async (_s, _q, body) => void chunks.push({ at: clock.now(), text: body.toString('utf8') }) },
      new SecretMasker(secrets),
      {},
      clock,
    );
    log.onPreview = (text) => (previews.push({ at: clock.now(), text }), accept);
    return { log, clock, chunks, previews };
  }

  it('offers the masked output of the first second once, uploads nothing then, and uploads it later with the rest', async () => {
    const s = previewStream(['hunter22']);
    s.log.write('token=hunter22\nbuilding');
    await s.clock.advance(1000);
    expect(s.previews).toEqual([{ at: 1000, text: 'token=********\nbuilding' }]);
    expect(s.chunks).toEqual([]);
    // More than 4 KB by the end: one chunk with everything, the preview's part masked once.
    s.log.write(' done\n' + 'x'.repeat(5000));
    await s.clock.advance(20_000);
    await s.log.close();
    expect(s.previews).toHaveLength(1);
    expect(s.chunks.map((c) => c.text)).toEqual(['token=********\nbuilding done\n' + 'x'.repeat(5000)]);
    expect(s.log.inline).toBeUndefined();
    expect(s.log.bytes).toBe(Buffer.byteLength(s.chunks[0].text));
  });

  it('keeps a small step whole for its final report after a preview', async () => {
    const s = previewStream([]);
    s.log.write('hello ');
    await s.clock.advance(1500);
    s.log.write('world\n');
    await s.log.close();
    expect(s.previews.map((p) => p.text)).toEqual(['hello ']);
    expect(s.chunks).toEqual([]);
    expect(s.log.inline).toBe('hello world\n');
  });

  it('uploads the first chunk when the preview is refused, too large, or someone watches', async () => {
    const refused = previewStream([], false);
    refused.log.write('a');
    await refused.clock.advance(1000);
    expect(refused.chunks.map((c) => c.text)).toEqual(['a']);

    const large = previewStream([]);
    large.log.write('y'.repeat(5000));
    await large.clock.advance(1000);
    expect(large.previews).toEqual([]);
    expect(large.chunks.map((c) => c.text.length)).toEqual([5000]);

    const watched = previewStream([]);
    watched.log.setLive(true);
    watched.log.write('b');
    await watched.clock.advance(1000);
    expect(watched.previews).toEqual([]);
    expect(watched.chunks.map((c) => c.text)).toEqual(['b']);
  });
});

describe('PresignedLogSink', () => {
  it('fetches URLs in batches and fetches again rather than use one fetched 8 minutes ago or more', async () => {
    let now = 0;
    const fetched: Array<{ from: number; at: number }> = [];
    const used: string[] = [];
    const sink = new PresignedLogSink(
      async (step, from, count) => (fetched.push({ from, at: now }), Array.from({ length: count }, (_, i) => `https://s3/${step}/${from + i}@${now}`)),
      async (url) => (used.push(url), 200),
      16,
      () => now,
    );
    await sink.prefetch(2, 0);
    await sink.upload(2, 0, Buffer.from('a'));
    now += 7 * 60_000;
    await sink.upload(2, 1, Buffer.from('b'));
    now += URL_MAX_AGE_MS;
    await sink.upload(2, 2, Buffer.from('c'));
    expect(fetched).toEqual([
      { from: 0, at: 0 },
      { from: 2, at: 15 * 60_000 },
    ]);
    expect(used).toEqual(['https://s3/2/0@0', 'https://s3/2/1@0', `https://s3/2/2@${15 * 60_000}`]);
  });
});
