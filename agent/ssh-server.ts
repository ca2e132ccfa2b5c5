import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Server, utils, type Connection, type ParsedKey, type ServerChannel, type Session } from 'ssh2';
import type { Timers } from './timers';

export interface JobSshServerOptions {
  /** Who may connect: registered public keys of users with write access. */
  authorizedKeys: Array<{ login: string; publicKey: string }>;
  /** The job's environment and working directory: every session's shell starts there. */
  env: Record<string, string>;
  cwd: string;
  /** Reachable until this long after the last session closed (or after `waitUntilIdle` began, if none is open). */
  idleMs: number;
  /** At most this long after `waitUntilIdle` began. */
  maxMs: number;
  /** Where sessions run when not on the host (the executor's container); default: a shell here. */
  sessionCommand?: (o: { cwd: string; env: Record<string, string>; command?: string; tty: boolean }) => { argv: string[]; env: Record<string, string> };
  /** Session events for the audit log (reported to the control plane). */
  onSession?: (e: { event: 'opened' | 'closed' | 'refused'; login?: string; ip: string }) => void;
  /** Session events, for the job's output (who connected, from where). */
  onEvent?: (message: string) => void;
  /** The idle and time-limit timers (tests pass a fake clock); by default real ones that keep the agent running. */
  timers?: Timers;
}

const keepAliveTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const SHELL = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
// A terminal for interactive sessions without a native module: util-linux's `script` allocates the pty.
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The SSH server of a job rerun with SSH (ssh2): public-key authentication against the authorized keys only,
 * each session a shell (or `exec` command) in the job's environment and working directory. No port forwarding,
 * no subsystems. Stays up until idle as CircleCI does.
 */
export class JobSshServer {
  private readonly server: Server;
  private readonly allowed: Array<{ login: string; key: ParsedKey }>;
  private open = 0;
  private idleTimer?: unknown;
  private readonly timers: Timers;
  private waiting?: () => void;
  private readonly connections = new Set<Connection>();

  constructor(private readonly options: JobSshServerOptions) {
    this.timers = options.timers ?? keepAliveTimers;
    this.allowed = options.authorizedKeys.flatMap((k) => {
      const key = utils.parseKey(k.publicKey);
      return key instanceof Error ? [] : [{ login: k.login, key: Array.isArray(key) ? key[0] : key }];
    });
    const hostKey = utils.generateKeyPairSync('ed25519').private;
    this.server = new Server({ hostKeys: [hostKey] }, (client, info) => this.accept(client, info.ip));
  }

  /** Starts listening; resolves the port. */
  listen(bind: string, port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, bind, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  private accept(client: Connection, ip: string): void {
    let login: string | undefined;
    this.connections.add(client);
    client.on('authentication', (ctx) => {
      const match = ctx.method === 'publickey' ? this.allowed.find((a) => a.key.type === ctx.key.algo && a.key.getPublicSSH().equals(ctx.key.data)) : undefined;
      if (!match || (ctx.method === 'publickey' && ctx.signature && match.key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true)) {
        if (ctx.method === 'publickey' && !match) {
          this.options.onEvent?.(`SSH: refused a ${ctx.key.algo} key from ${ip} (not registered by a user with write access).`);
          this.options.onSession?.({ event: 'refused', ip });
        }
        return ctx.reject(['publickey']);
      }
      if (ctx.method === 'publickey' && !ctx.signature) return ctx.accept();
      login = match.login;
      ctx.accept();
    });
    client.on('ready', () => {
      this.open++;
      this.timers.clearTimeout(this.idleTimer);
      this.options.onEvent?.(`SSH: ${login} connected from ${ip}.`);
      this.options.onSession?.({ event: 'opened', login, ip });
      client.on('session', (acceptSession) => this.session(acceptSession()));
    });
    client.on('error', () => undefined);
    client.on('close', () => {
      this.connections.delete(client);
      if (!login) return;
      this.options.onEvent?.(`SSH: ${login} disconnected.`);
      this.options.onSession?.({ event: 'closed', login, ip });
      login = undefined;
      if (--this.open === 0 && this.waiting) this.armIdle();
    });
  }

  private session(session: Session): void {
    let pty = false;
    const env: Record<string, string> = { ...this.options.env };
    session.on('pty', (accept) => {
      pty = true;
      accept?.();
    });
    session.on('env', (accept, _reject, info) => {
      if (/^(LANG|LC_\w+|TERM)$/.test(info.key)) env[info.key] = info.val;
      accept?.();
    });
    session.on('exec', (accept, _reject, info) => this.start(accept(), info.command, false, env));
    session.on('shell', (accept) => this.start(accept(), undefined, pty, { TERM: 'xterm', ...env }));
  }

  /** A shell (or `command`) where the steps run; with a terminal through `script` when one was asked for. */
  private start(channel: ServerChannel, command: string | undefined, pty: boolean, env: Record<string, string>): void {
    const tty = pty && SCRIPT !== undefined;
    const inner = this.options.sessionCommand?.({ cwd: this.options.cwd, env, command, tty }) ?? {
      argv: command === undefined ? [SHELL] : [SHELL, '-c', command],
      env,
    };
    const argv = tty ? [SCRIPT!, '-qfec', inner.argv.map(quote).join(' '), '/dev/null'] : inner.argv;
    this.run(channel, argv, inner.env);
  }

  private run(channel: ServerChannel, [cmd, ...args]: string[], env: Record<string, string>): void {
    const child = spawn(cmd, args, { cwd: this.options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    channel.pipe(child.stdin!);
    child.stdout!.pipe(channel, { end: false });
    child.stderr!.pipe(channel.stderr, { end: false });
    child.on('error', (e) => channel.stderr.write(`${e.message}\n`));
    child.on('close', (code) => {
      channel.exit(code ?? 1);
      channel.end();
    });
    channel.on('close', () => child.exitCode === null && child.kill('SIGHUP'));
  }

  /**
   * A session this server cannot see was open just now (an ECS Exec shell, reported by the control plane): the
   * idle wait counts it as activity, so it ends `idleMs` after the last such report (still at most `maxMs`).
   */
  noteActivity(): void {
    if (this.waiting && this.open === 0) this.armIdle();
  }

  private armIdle(): void {
    this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = this.timers.setTimeout(() => this.waiting?.(), this.options.idleMs);
  }

  /**
   * Resolves once no session has been open for `idleMs` (counted from now when none is open), after `maxMs`,
   * or when `signal` aborts (the job was canceled).
   */
  waitUntilIdle(signal?: AbortSignal): Promise<'idle' | 'max' | 'canceled'> {
    return new Promise((resolve) => {
      let max: unknown = undefined;
      const done = (why: 'idle' | 'max' | 'canceled') => {
        this.timers.clearTimeout(max);
        this.timers.clearTimeout(this.idleTimer);
        this.waiting = undefined;
        signal?.removeEventListener('abort', onAbort);
        resolve(why);
      };
      const onAbort = () => done('canceled');
      max = this.timers.setTimeout(() => done('max'), this.options.maxMs);
      if (signal?.aborted) return done('canceled');
      signal?.addEventListener('abort', onAbort);
      this.waiting = () => done('idle');
      if (this.open === 0) this.armIdle();
    });
  }

  /** Closes every session and stops listening. */
  async close(): Promise<void> {
    for (const c of this.connections) c.end();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
