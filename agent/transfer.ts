import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Writable } from 'node:stream';

/** A transfer or archive failure with a message fit for the step's output. */
export class TransferError extends Error {
  constructor(
    message: string,
    readonly transient = false,
  ) {
    super(message);
    this.name = 'TransferError';
  }
}

const RETRIES = 4;
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 4000)));

function send(method: 'PUT' | 'GET', url: string, body?: { file?: string; bytes?: Buffer }): Promise<IncomingMessage> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const size = body?.file ? statSync(body.file).size : body?.bytes?.length;
    const req = request(u, { method, headers: size === undefined ? {} : { 'content-length': size } }, resolve);
    req.on('error', (e) => reject(new TransferError(`${method} ${u.host}: ${e.message}`, true)));
    if (body?.file) createReadStream(body.file).on('error', reject).pipe(req);
    else req.end(body?.bytes);
  });
}

async function drain(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += chunk;
  return text.slice(0, 300);
}

/** PUTs a file or bytes to a presigned URL; network errors, 5xx and 429 are retried with backoff. */
export async function putToUrl(url: string, body: { file?: string; bytes?: Buffer }, what: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await send('PUT', url, body);
      const detail = await drain(res);
      if (res.statusCode! < 300) return;
      const transient = res.statusCode! >= 500 || res.statusCode === 429;
      throw new TransferError(`Uploading ${what} failed: HTTP ${res.statusCode} ${detail.replace(/\s+/g, ' ')}`, transient);
    } catch (e) {
      const err = e instanceof TransferError ? e : new TransferError(`Uploading ${what} failed: ${(e as Error).message}`);
      if (!err.transient || attempt >= RETRIES) throw err;
      await backoff(attempt);
    }
  }
}

/** GETs a presigned URL and pipes the body into `into()` (called once per attempt); retried like `putToUrl`. */
export async function getFromUrl(url: string, what: string, into: () => { stdin: Writable; done: Promise<void> }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await send('GET', url);
      if (res.statusCode! >= 300) {
        const detail = await drain(res);
        throw new TransferError(
          `Downloading ${what} failed: HTTP ${res.statusCode} ${detail.replace(/\s+/g, ' ')}`,
          res.statusCode! >= 500 || res.statusCode === 429,
        );
      }
      const sink = into();
      res.on('error', (e) => sink.stdin.destroy(e));
      res.pipe(sink.stdin);
      await sink.done;
      return;
    } catch (e) {
      const err = e instanceof TransferError ? e : new TransferError(`Downloading ${what} failed: ${(e as Error).message}`);
      if (!err.transient || attempt >= RETRIES) throw err;
      await backoff(attempt);
    }
  }
}

function exited(child: ChildProcess, name: string, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('error', (e) =>
      reject(
        new TransferError(
          (e as NodeJS.ErrnoException).code === 'ENOENT'
            ? `${name} is not installed on this machine; install it to use caches and workspaces.`
            : `${name}: ${e.message}`,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const err = stderr().trim();
      if (/No space left|ENOSPC|Disk quota/i.test(err))
        return reject(new TransferError(`The disk is full: ${name} could not write (${err.split('\n')[0]}). Free space or use a larger resource class.`));
      reject(new TransferError(`${name} exited with code ${code}${err ? `: ${err.split('\n').slice(0, 5).join('; ')}` : ''}`));
    });
  });
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (d) => {
    if (text.length < 4096) text += d;
  });
  return () => text;
}

let gnuTar: boolean | undefined;
/** GNU tar supports `--transform` (used to relocate HOME between tasks). */
export function isGnuTar(): boolean {
  gnuTar ??= /GNU tar/.test(spawnSync('tar', ['--version'], { encoding: 'utf8' }).stdout ?? '');
  return gnuTar;
}

const escapeSed = (s: string) => s.replace(/[\\|.*^$[\]]/g, '\\$&');

/** `--transform` arguments that rename the member prefix `from` to `to` (names only, not link targets). */
export function renameMembers(from: string, to: string): string[] {
  if (!isGnuTar() || from === to) return [];
  return [
    `--transform=flags=rh;s|^${escapeSed(from)}/|${to.replace(/[\\|&]/g, '\\$&')}/|`,
    `--transform=flags=rh;s|^${escapeSed(from)}$|${to.replace(/[\\|&]/g, '\\$&')}|`,
  ];
}

/**
 * Writes `tar -cf - -C <dir> <members> | zstd -T0` to `out` (the same pipeline a user would type, so it
 * runs at the machine's limit). Resolves the archive size.
 */
export async function createArchive(options: { dir: string; members: string[]; out: string; tarArgs?: string[] }): Promise<number> {
  const tar = spawn('tar', ['-cf', '-', ...(options.tarArgs ?? []), '-C', options.dir, '--', ...options.members], { stdio: ['ignore', 'pipe', 'pipe'] });
  const zstd = spawn('zstd', ['-T0', '-q', '-f', '-o', options.out], { stdio: [tar.stdout!, 'ignore', 'pipe'] });
  // zstd owns the pipe now; the parent's end would otherwise keep tar's 'close' from ever firing.
  tar.stdout!.destroy();
  const tarErr = collect(tar);
  const zstdErr = collect(zstd);
  await Promise.all([exited(tar, 'tar', tarErr), exited(zstd, 'zstd', zstdErr)]);
  return statSync(options.out).size;
}

/** `zstd -d | tar -xf - -C <dir>`: the sink `getFromUrl` pipes a downloaded archive into. */
export function extractArchive(dir: string, tarArgs: string[] = []): { stdin: Writable; done: Promise<void> } {
  const zstd = spawn('zstd', ['-d', '-q', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const tar = spawn('tar', ['-xf', '-', ...tarArgs, '-C', dir], { stdio: [zstd.stdout!, 'ignore', 'pipe'] });
  zstd.stdout!.destroy();
  const zstdErr = collect(zstd);
  const tarErr = collect(tar);
  zstd.stdin!.on('error', () => undefined);
  return { stdin: zstd.stdin!, done: Promise.all([exited(zstd, 'zstd', zstdErr), exited(tar, 'tar', tarErr)]).then(() => undefined) };
}
