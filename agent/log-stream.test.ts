import { StepLogStream } from './log-stream';
import { SecretMasker } from './mask';

function stream(secrets: string[], maxChunkBytes = 8) {
  const chunks: Buffer[] = [];
  const log = new StepLogStream(0, { upload: async (_s, _q, body) => void chunks.push(body) }, new SecretMasker(secrets), { maxChunkBytes, flushIntervalMs: 60_000 });
  return { log, text: async () => (await log.close(), Buffer.concat(chunks).toString('utf8')), chunks };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('StepLogStream', () => {
  it('masks a secret and its base64 form even when split across writes and chunks', async () => {
    const s = stream(['hunter22'], 4);
    for (const piece of ['pass=hun', 'ter', '22; b64=', Buffer.from('hunter22').toString('base64').slice(0, 5), Buffer.from('hunter22').toString('base64').slice(5), ' end']) s.log.write(piece);
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
});
