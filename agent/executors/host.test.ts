import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostExecutor } from './host';
import { canPunchHoles, openSpool, SpoolReader, spoolDir } from './spool';

describe('HostExecutor', () => {
  let dir: string;
  let spools: string;
  let executor: HostExecutor;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-host-'));
    spools = mkdtempSync(join(tmpdir(), 'slipway-spool-'));
    executor = new HostExecutor(dir, { dir: spools, pollMs: 10 });
  });
  afterEach(() => executor.shutdown());

  const run = (
    script: string,
    extra: { timeoutMs?: number; signal?: AbortSignal; shell?: string; env?: Record<string, string>; onOutput?: (all: string) => void } = {},
  ) => {
    const chunks: Buffer[] = [];
    const onOutput = (d: Buffer) => {
      chunks.push(d);
      extra.onOutput?.(Buffer.concat(chunks).toString());
    };
    return executor
      .run({
        script,
        shell: extra.shell,
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra.env },
        onOutput,
        signal: extra.signal ?? new AbortController().signal,
        noOutputTimeoutMs: extra.timeoutMs ?? 10_000,
      })
      .then((r) => ({ ...r, out: Buffer.concat(chunks) }));
  };

  it('runs a script in its folder with its environment; stdout and stderr interleave in the order written', async () => {
    const r = await run('echo "one $WHO"; echo two >&2; echo three; printf four >&2; exit 4', { env: { WHO: 'me' } });
    expect(r).toMatchObject({ exitCode: 4, timedOut: false, canceled: false });
    expect(r.out.toString()).toBe('one me\ntwo\nthree\nfour');
  });

  it('delivers every byte of a large output, and removes its spool afterwards', async () => {
    // 24 MiB of varied bytes (not only text): what arrives must hash the same as what the step printed.
    const r = await run('head -c 25165824 /dev/urandom | tee printed.bin');
    expect(r.exitCode).toBe(0);
    expect(r.out.length).toBe(25165824);
    const printed = createHash('sha256')
      .update(readFileSync(join(dir, 'printed.bin')))
      .digest('hex');
    expect(createHash('sha256').update(r.out).digest('hex')).toBe(printed);
    expect(readdirSync(spools)).toEqual([]);
  });

  it('keeps no named spool while a step runs, so an agent killed mid-step leaves nothing behind', async () => {
    const seen: string[][] = [];
    const r = await run('echo one; sleep 0.3; echo two', { onOutput: () => void seen.push(readdirSync(spools)) });
    expect(r.out.toString()).toBe('one\ntwo\n');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((names) => names.length === 0)).toBe(true);
  });

  it('does not wait for a background process that still holds the output', async () => {
    const started = Date.now();
    const r = await run('echo before; (sleep 30; echo late) & echo after');
    expect(r.exitCode).toBe(0);
    expect(r.out.toString()).toBe('before\nafter\n');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('ends a silent step after the no-output timeout, and a step that keeps printing runs on', async () => {
    const silent = await run('echo start; sleep 30', { timeoutMs: 300 });
    expect(silent).toMatchObject({ timedOut: true, canceled: false });
    expect(silent.out.toString()).toBe('start\n');
    const chatty = await run('for i in 1 2 3 4 5 6; do echo $i; sleep 0.1; done', { timeoutMs: 400 });
    expect(chatty).toMatchObject({ exitCode: 0, timedOut: false });
    expect(chatty.out.toString()).toBe('1\n2\n3\n4\n5\n6\n');
  });

  it('stops the whole process group on cancel', async () => {
    const abort = new AbortController();
    const r = await run('echo go; sleep 30 & sleep 30; echo never', { signal: abort.signal, onOutput: (all) => all === 'go\n' && abort.abort() });
    expect(r.canceled).toBe(true);
    expect(r.out.toString()).toBe('go\n');
  });

  it('fails a step whose shell does not exist with exit code 127 and the reason', async () => {
    const r = await run('echo hi', { shell: '/no/such/shell -e' });
    expect(r.exitCode).toBe(127);
    expect(r.out.toString()).toMatch(/ENOENT/);
  });

  it('streams a background step until it exits', async () => {
    const chunks: Buffer[] = [];
    executor.runBackground({ script: 'echo bg-1; sleep 0.2; echo bg-2', cwd: dir, env: { PATH: process.env.PATH ?? '/bin' }, onOutput: (d) => chunks.push(d) });
    for (let i = 0; i < 200 && Buffer.concat(chunks).toString() !== 'bg-1\nbg-2\n'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(Buffer.concat(chunks).toString()).toBe('bg-1\nbg-2\n');
  });
});

const isOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

describe('SpoolReader', () => {
  it('reads a growing file in order, in whole pieces of maxReadBytes while output pours in, and all of it at the end', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'slipway-spool-')), 'out');
    const pieces: Buffer[] = [];
    const reader = new SpoolReader(file, (d) => pieces.push(d), { maxReadBytes: 4 });
    expect(reader.pump()).toBe(0); // no file yet: no output yet
    writeFileSync(file, 'ab');
    expect(reader.pump()).toBe(2); // a first piece may be short: slow output is not held back
    writeFileSync(file, 'cdefghijk', { flag: 'a' });
    expect(reader.pump()).toBe(8); // 'k' is short and not first: it waits for the next poll
    writeFileSync(file, 'lm', { flag: 'a' });
    reader.finish();
    expect(pieces.map(String)).toEqual(['ab', 'cdef', 'ghij', 'klm']);
    expect(existsSync(file)).toBe(false);
  });

  const punching = canPunchHoles(tmpdir());
  (punching ? it : it.skip)('gives what it read back to the file system, keeping the bytes it has not read', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'slipway-spool-')), 'out');
    const payload = Buffer.alloc(8 * 1024 * 1024, 'y');
    writeFileSync(file, payload);
    let got = 0;
    const reader = new SpoolReader(file, (d) => (got += d.length), { punchBytes: 1024 * 1024 });
    reader.pump();
    expect(got).toBe(payload.length);
    const allocated = () => statSync(file).blocks * 512;
    for (let i = 0; i < 200 && allocated() > 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 20));
    expect(allocated()).toBeLessThan(1024 * 1024);
    expect(statSync(file).size).toBe(payload.length); // the length stays: the writer appends after it
    writeFileSync(file, 'tail', { flag: 'a' });
    const rest: Buffer[] = [];
    const again = new SpoolReader(file, (d) => rest.push(d));
    again.pump(true);
    expect(Buffer.concat(rest).subarray(payload.length).toString()).toBe('tail');
    reader.finish();
    again.finish(false);
  });

  (punching ? it : it.skip)('frees what it read of an unlinked spool too, through its descriptor', async () => {
    const fds = openSpool(join(mkdtempSync(join(tmpdir(), 'slipway-spool-')), 'out'));
    writeSync(fds.write, Buffer.alloc(8 * 1024 * 1024, 'z'));
    let got = 0;
    const reader = new SpoolReader(fds.read, (d) => (got += d.length), { punchBytes: 1024 * 1024 });
    reader.pump(true);
    expect(got).toBe(8 * 1024 * 1024);
    for (let i = 0; i < 200 && fstatSync(fds.write).blocks * 512 > 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fstatSync(fds.write).blocks * 512).toBeLessThan(1024 * 1024);
    // Finishing while a punch is in flight keeps the descriptor (fallocate opens it by number) until it is done.
    writeSync(fds.write, Buffer.alloc(2 * 1024 * 1024, 'z'));
    reader.pump(true);
    reader.finish();
    expect(() => fstatSync(fds.read)).not.toThrow();
    for (let i = 0; i < 200 && isOpen(fds.read); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isOpen(fds.read)).toBe(false);
    closeSync(fds.write);
  });

  it('puts spools where SLIPWAY_SPOOL_DIR says', () => {
    expect(spoolDir('/fallback', { SLIPWAY_SPOOL_DIR: '/custom' })).toBe('/custom');
  });
});
