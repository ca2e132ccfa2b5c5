import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slipwayRoot } from '../../local/root';

// The checkout's root, also when this module runs bundled (the bench).
const ROOT = slipwayRoot(__dirname);

export interface DevServer {
  url: string;
  token: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** GET/POST/... against the API with the admin token; resolves status and parsed JSON. */
  api<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T }>;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server hard (SIGKILL), as a crash would. */
  kill(): Promise<void>;
}

/**
 * Starts `slipway dev` as a child process on a free port with its own data folder (or the given one) and
 * waits until it answers /healthz. Extra environment (e.g. short leases) can be passed.
 */
export async function startDevServer(options: { dataDir?: string; env?: Record<string, string>; args?: string[]; token?: string } = {}): Promise<DevServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'slipway-e2e-'));
  const token = options.token ?? 'e2e-admin-token';
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'slipway.js'), 'dev', '--port', '0', '--data', dataDir, '--no-example', ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, SLIPWAY_TOKEN: token, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`slipway dev did not start in time:\n${out}`)), 60_000);
    const check = () => {
      const m = /Slipway is running at (\S+)/.exec(out);
      if (m && out.includes('Ready.')) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`slipway dev exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    token,
    dataDir,
    process: child,
    output: () => out,
    async api(method, path, body, tok = token) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (tok) headers['Circle-Token'] = tok;
      const res = await fetch(path.startsWith('http') ? path : `${url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed as never };
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Polls `check` until it returns a value (not undefined), or fails after `timeoutMs` with the last value.
 * Polling an observable state is the synchronisation here, never a fixed sleep.
 */
export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
