import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HostExecutor } from './executors/host';
import { openSpool, SHM, shmFreeBytes, spoolDir } from './executors/spool';
import { PresignedLogSink, StepLogStream } from './log-stream';
import { SecretMasker } from './mask';
import { createArchive, extractArchive, getFromUrl, putToUrl } from './transfer';

/**
 * The log bench's stand-in for S3, run in a child process: it receives each PUT and counts its bytes, as the
 * minimal agent's receiver counts what arrives on its socket. Storing the bytes is S3's work on S3's machines, not
 * the agent's; on this 2-core machine it would be billed to the agent's wall time while the floor's receiver pays
 * nothing for it. `GET /__stored` reports the bytes received in PUT bodies.
 */
const LOG_SINK_JS = `
const { createServer } = require('node:http');
let stored = 0;
const server = createServer((req, res) => {
  if (req.url === '/__stored') return res.end(String(stored));
  if (req.method !== 'PUT') return res.writeHead(405).end();
  let n = 0;
  req.on('data', (d) => (n += d.length));
  req.on('end', () => { stored += n; res.writeHead(200).end(); });
  req.on('error', () => res.writeHead(500).end());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0)).resume();
`;

/** The log sink in a child process; `stop` ends it (as does this process ending: its stdin closes). */
async function startLogSinkProcess(): Promise<{ url: string; stored: () => Promise<number>; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', LOG_SINK_JS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (code) => reject(new Error(`bench log sink exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return { url, stored: async () => Number(await (await fetch(`${url}/__stored`)).text()), stop: () => child.stdin.end() };
}

/** A local stand-in for S3 presigned URLs: PUT stores the body in a file, GET streams it back. */
async function startBlobServer(dir: string): Promise<{ url: string; server: Server; bytes: () => number }> {
  let stored = 0;
  const server = createServer((req, res) => {
    const file = join(dir, encodeURIComponent(req.url!.slice(1)));
    if (req.method === 'PUT') {
      pipeline(req, createWriteStream(file)).then(
        () => {
          stored += statSync(file).size;
          res.writeHead(200).end();
        },
        () => res.writeHead(500).end(),
      );
    } else if (existsSync(file)) {
      res.writeHead(200, { 'content-length': statSync(file).size });
      createReadStream(file).pipe(res);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, bytes: () => stored };
}

/** A tree of `files` files totalling about `megabytes` MB of source-code-like (compressible) text. */
export function generateTree(dir: string, files: number, megabytes: number): void {
  const words = ['const', 'function', 'return', 'import', 'export', 'value', 'index', 'module', 'await', 'async', 'string', 'number'];
  const per = Math.max(1, Math.floor((megabytes * 1024 * 1024) / files));
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${i % 200}`, `e${i % 17}`);
    if (i < 200 * 17) mkdirSync(sub, { recursive: true });
    let text = '';
    while (text.length < per) text += `${words[rnd() % words.length]}_${rnd() % 100000} = ${words[rnd() % words.length]}(${rnd() % 997});\n`;
    writeFileSync(join(sub, `f${i}.js`), text.slice(0, per));
  }
}

const time = async (fn: () => Promise<unknown> | unknown) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

function sh(script: string, cwd: string): void {
  const r = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', script], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`bench command failed: ${script}: ${r.stderr}`);
}

/**
 * Where the cache bench builds its trees: `SLIPWAY_BENCH_DIR` when set, else `/dev/shm` when it has room.
 * On a disk the figure would measure the disk's history instead of the archive format: this machine's root is
 * ext4 without a journal, where creating a file within a minute of deleting others scans the recently deleted
 * inodes (`recently_deleted()` in the kernel), and the same `zstd -d | tar x` of 50,000 files took from 1.5 s
 * to 41 s depending on what was deleted before. All three contenders write the same files either way.
 */
export function benchScratch(bytesNeeded: number): { dir: string; label: string } {
  if (process.env.SLIPWAY_BENCH_DIR) return { dir: process.env.SLIPWAY_BENCH_DIR, label: process.env.SLIPWAY_BENCH_DIR };
  return shmFreeBytes() > 2 * bytesNeeded ? { dir: SHM, label: `tmpfs (${SHM})` } : { dir: tmpdir(), label: tmpdir() };
}

export interface CacheBench {
  /** save_cache + restore_cache through the agent's code path (tar | zstd -T0, HTTP PUT/GET to a presigned URL). */
  slipwayMs: number;
  /** `tar cf - | zstd -T0` and back, to local files: the machine's limit. */
  baselineMs: number;
  /** `tar czf` + `tar xzf` (CircleCI's classic format). */
  gzipMs: number;
  archiveBytes: number;
  treeBytes: number;
  /** Where the trees were written. */
  fileSystem: string;
  /** Whether Slipway's restored tree is identical to the source (`diff -r`). */
  restoredIntact: boolean;
}

/**
 * save_cache + restore_cache of a generated tree, measured side by side with `tar | zstd -T0` and
 * `tar czf`/`tar xzf` on the same tree in the same run.
 */
export async function benchCache(options: { files?: number; megabytes?: number; workDir?: string } = {}): Promise<CacheBench> {
  const megabytes = options.megabytes ?? 300;
  // The source tree, three restored copies and the archives.
  const scratch = benchScratch(5 * megabytes * 1024 * 1024);
  const root = options.workDir ?? mkdtempSync(join(scratch.dir, 'slipway-bench-cache-'));
  const src = join(root, 'src');
  const files = options.files ?? 50_000;
  generateTree(src, files, megabytes);
  const blobs = await startBlobServer(mkdtempSync(join(root, 'blobs-')));
  try {
    const out = (name: string) => {
      const d = join(root, name);
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d, { recursive: true });
      return d;
    };
    let archiveBytes = 0;
    // Each contender restores into its own new folder, made before its clock starts.
    const restoreSlipway = out('restore-slipway');
    const slipwayMs = await time(async () => {
      const file = join(root, 'cache.tar.zst');
      archiveBytes = await createArchive({ dir: root, members: ['src'], out: file });
      await putToUrl(`${blobs.url}/cache`, { file }, 'the cache');
      rmSync(file);
      await getFromUrl(`${blobs.url}/cache`, 'the cache', () => extractArchive(restoreSlipway));
    });
    const restoreZstd = out('restore-zstd');
    const baselineMs = await time(() => {
      sh(`tar cf - src | zstd -T0 -q -f -o base.tar.zst && zstd -d -q -c base.tar.zst | tar xf - -C ${JSON.stringify(restoreZstd)} && rm base.tar.zst`, root);
    });
    const restoreGzip = out('restore-gzip');
    const gzipMs = await time(() => {
      sh(`tar czf base.tgz src && tar xzf base.tgz -C ${JSON.stringify(restoreGzip)} && rm base.tgz`, root);
    });
    const treeBytes = Number(spawnSync('du', ['-sb', src], { encoding: 'utf8' }).stdout.split(/\s/)[0]);
    const restoredIntact = spawnSync('diff', ['-rq', src, join(restoreSlipway, 'src')], { stdio: 'ignore' }).status === 0;
    return { slipwayMs, baselineMs, gzipMs, archiveBytes, treeBytes, fileSystem: options.workDir ?? scratch.label, restoredIntact };
  } finally {
    blobs.server.close();
    if (!options.workDir) rmSync(root, { recursive: true, force: true });
  }
}

export interface LogBench {
  /** The step's command with its output streamed, masked and uploaded by the agent. */
  slipwayMs: number;
  /** The same command writing to /dev/null. */
  baselineMs: number;
  /** The same command writing to a file where the agent puts spools, nobody reading it: what storing the output anywhere costs the step. */
  toFileMs: number;
  /**
   * The least any agent could do: the same command writing into a spool file that a bare loop reads into one
   * reused buffer, scans for the secret and its base64 form, and sends over a socket to a process that only
   * counts the bytes (no HTTP, no storage, no log stream).
   */
  minimalAgentMs: number;
  /** CPU seconds (user + system) the command itself used writing to /dev/null, for the cores it leaves free. */
  commandCpuSeconds: number;
  printedBytes: number;
  storedBytes: number;
}

/** A process that counts what arrives on a TCP connection and prints the count when it ends. */
const COUNTER_JS = `
const net = require('node:net');
net.createServer((s) => { let n = 0; s.on('data', (d) => (n += d.length)); s.on('end', () => process.stdout.write(n + '\\n')); })
  .listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });
process.stdin.on('end', () => process.exit(0)).resume();
`;

/** `LogBench.minimalAgentMs`: the command through a bare read, scan and send loop. Resolves its wall time and the bytes counted. */
async function minimalAgent(command: string, spool: string, secrets: string[], cwd: string): Promise<{ ms: number; bytes: number }> {
  const counter = spawn(process.execPath, ['-e', COUNTER_JS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let arrived: () => void = () => undefined;
  counter.stdout!.on('data', (d) => {
    lines.push(...String(d).trim().split('\n'));
    arrived();
  });
  const nextLine = async () => {
    while (!lines.length) await new Promise<void>((r) => (arrived = r));
    return lines.shift()!;
  };
  try {
    const socket = connect(Number(await nextLine()), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const patterns = secrets.flatMap((x) => [Buffer.from(x), Buffer.from(Buffer.from(x).toString('base64'))]);
    const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    let bytes = 0;
    const ms = await time(async () => {
      const { write: fd, read: rfd } = openSpool(spool);
      const child = spawn('/bin/bash', ['-eo', 'pipefail', '-c', command], { cwd, stdio: ['ignore', fd, fd] });
      closeSync(fd);
      let exited = false;
      child.on('exit', () => (exited = true));
      let offset = 0;
      for (;;) {
        // Exited before this read: what it returns is the last of the output.
        const last = exited;
        const n = readSync(rfd, buf, 0, buf.length, offset);
        if (n > 0) {
          offset += n;
          const piece = buf.subarray(0, n);
          for (const p of patterns) piece.indexOf(p);
          if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r));
        } else if (last) break;
        else await new Promise((r) => setTimeout(r, 20));
      }
      closeSync(rfd);
      socket.end();
      bytes = Number(await nextLine());
    });
    return { ms, bytes };
  } finally {
    counter.stdin!.end();
  }
}

/** A step printing `megabytes` MB through the agent's log streaming, side by side with the same command to /dev/null. */
export async function benchLogStreaming(options: { megabytes?: number; secrets?: string[] } = {}): Promise<LogBench> {
  const mb = options.megabytes ?? 200;
  const root = mkdtempSync(join(tmpdir(), 'slipway-bench-log-'));
  const blobs = await startLogSinkProcess();
  const command = `head -c ${mb * 1024 * 1024} /dev/zero | tr '\\0' 'x' | fold -w 99`;
  try {
    const executor = new HostExecutor(root);
    let seq = 0;
    const sink = new PresignedLogSink(async (_step, _from, count) => Array.from({ length: count }, () => `${blobs.url}/log-${seq++}`));
    let printedBytes = 0;
    const slipwayMs = await time(async () => {
      const log = new StepLogStream(0, sink, new SecretMasker(options.secrets ?? ['s3cr3t-value']));
      await executor.run({
        script: command,
        cwd: root,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        onOutput: (d) => ((printedBytes += d.length), log.write(d)),
        outputReady: () => log.ready,
        signal: new AbortController().signal,
        noOutputTimeoutMs: 600_000,
      });
      await log.close();
    });
    let commandCpuSeconds = 0;
    const baselineMs = await time(() => {
      // bash's `times` prints the shell's then its children's user and system time.
      const r = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', `${command} > /dev/null; times`], { cwd: root, encoding: 'utf8' });
      const children = r.stdout.trim().split('\n').pop() ?? '';
      commandCpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
    });
    const spools = spoolDir(root);
    const floor = join(spools, `slipway-bench-floor-${process.pid}.out`);
    const toFileMs = await time(() => sh(`${command} > ${JSON.stringify(floor)}`, root));
    rmSync(floor, { force: true });
    const minimal = await minimalAgent(command, join(spools, `slipway-bench-minimal-${process.pid}.out`), options.secrets ?? ['s3cr3t-value'], root);
    if (minimal.bytes !== printedBytes) throw new Error(`minimal agent moved ${minimal.bytes} of ${printedBytes} bytes`);
    return { slipwayMs, baselineMs, toFileMs, minimalAgentMs: minimal.ms, commandCpuSeconds, printedBytes, storedBytes: await blobs.stored() };
  } finally {
    blobs.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
