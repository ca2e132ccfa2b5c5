import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { DockerImage } from '../../shared/config/plan';
import type { RunOptions } from './executor';
import { HostExecutor, type StepCommand } from './host';

/** Variables that describe the agent's machine, not the job's containers: the containers keep their own. */
const HOST_ONLY = new Set(['PATH', 'USER', 'SHELL', 'LANG', 'PWD', 'OLDPWD', 'SHLVL', '_']);

/** Whether a Docker engine answers (`docker version` succeeds within 10 s) with this environment's PATH and DOCKER_HOST. */
export function dockerEngineReachable(env: Record<string, string | undefined> = process.env): boolean {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { env: env as NodeJS.ProcessEnv, stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/** The host name a container is reached by: its `name`, else the image's repository name (`cimg/postgres:16` → `postgres`). */
export function containerHostname(image: DockerImage): string {
  if (image.name) return image.name;
  const repo = image.image.split('@')[0].replace(/:[^/]*$/, '');
  return (repo.split('/').pop() ?? 'service').replace(/[^A-Za-z0-9-]/g, '-');
}

const envFlags = (env: Record<string, string>) =>
  Object.entries(env)
    .filter(([k]) => !HOST_ONLY.has(k) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .flatMap(([k, v]) => ['-e', `${k}=${v}`]);

/** Keeps a primary container without its own entrypoint alive until it is removed. */
const KEEP_ALIVE = ['-c', "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];

/**
 * `docker run -d` for one container of the job: on the job's network, reachable by its host name, with the
 * image's environment; the primary (`mounts` given) also bind-mounts the task folder (and a working directory
 * outside it) at the same paths, so paths are the same for the agent and the steps, and stays up with a
 * keep-alive unless the config gives an entrypoint.
 */
export function runContainerArgs(o: { container: string; network: string; image: DockerImage; primary: boolean; mounts?: string[] }): string[] {
  const args = ['run', '-d', '--name', o.container, '--network', o.network, '--network-alias', containerHostname(o.image), '--hostname', containerHostname(o.image)];
  if (o.image.user) args.push('--user', o.image.user);
  for (const m of o.mounts ?? []) args.push('-v', `${m}:${m}`);
  args.push(...envFlags(o.image.environment));
  const keepAlive = o.primary && !o.image.entrypoint && !o.image.command;
  if (o.image.entrypoint?.length) args.push('--entrypoint', o.image.entrypoint[0]);
  else if (keepAlive) args.push('--entrypoint', '/bin/sh');
  args.push(o.image.image);
  if (o.image.entrypoint && o.image.entrypoint.length > 1) args.push(...o.image.entrypoint.slice(1));
  if (o.image.command) args.push(...o.image.command);
  else if (keepAlive) args.push(...KEEP_ALIVE);
  return args;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** sh does not read `$BASH_ENV` as bash does: sourced first, then the step's script (`$0`). */
const SH_WITH_BASH_ENV = `'if [ -n "\${BASH_ENV:-}" ] && [ -r "$BASH_ENV" ]; then . "$BASH_ENV"; fi; . "$0"'`;

/**
 * `docker exec` of one step's script in the primary container: in the step's working directory, with the
 * job's environment (the container keeps its own PATH, after `clientDir`, where the `circleci` client is),
 * recording its pid next to the script so that a cancel or timeout can end it inside the container.
 */
export function execArgs(o: { container: string; cwd: string; env: Record<string, string>; shell?: string; file: string; clientDir?: string }): string[] {
  const shell = o.shell?.split(/\s+/).filter(Boolean) ?? [];
  // Without a `shell`, CircleCI's default: bash with pipefail where the image has bash, else sh (sourcing $BASH_ENV).
  const run = shell.length ? 'exec "$@"' : `if [ -x /bin/bash ]; then exec /bin/bash -eo pipefail "$0"; else exec /bin/sh -e -c ${SH_WITH_BASH_ENV} "$0"; fi`;
  const path = o.clientDir ? `PATH=${quote(o.clientDir)}:"$PATH"; export PATH; ` : '';
  return ['exec', '-w', o.cwd, ...envFlags(o.env), o.container, '/bin/sh', '-c', `echo $$ > "$0.pid"; ${path}${run}`, o.file, ...shell, ...(shell.length ? [o.file] : [])];
}

/** `docker exec` of an SSH session (a shell, or `command`) in the primary container, in `cwd` with the job environment. */
export function sessionArgs(o: { container: string; cwd: string; env: Record<string, string>; command?: string; tty: boolean }): string[] {
  const shell = 'if [ -x /bin/bash ]; then exec /bin/bash "$@"; else exec /bin/sh "$@"; fi';
  const run = o.command === undefined ? [shell, 'sh'] : [shell, 'sh', '-c', o.command];
  return ['exec', '-i', ...(o.tty ? ['-t'] : []), '-w', o.cwd, ...envFlags(o.env), o.container, '/bin/sh', '-c', ...run];
}

/** Stops a step's process inside the container (by the pid its `exec` recorded). */
export function killArgs(container: string, file: string): string[] {
  return ['exec', container, '/bin/sh', '-c', 'kill -KILL "$(cat "$0.pid")" 2>/dev/null || true', file];
}

/** `docker login` for an image with registry credentials (`auth`), into the task's own Docker config folder. */
export function loginArgs(configDir: string, image: DockerImage): string[] | undefined {
  if (!image.auth) return undefined;
  const first = image.image.split('/')[0];
  const registry = image.image.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'docker.io';
  return ['--config', configDir, 'login', '--username', image.auth.username, '--password-stdin', registry];
}

/**
 * The `docker` executor (local mode with a reachable Docker engine): a network per task, the primary
 * container (first image) and service containers started with `docker run -d`, each step run with
 * `docker exec` in the primary, the task folder mounted at the same path, and everything removed at the end.
 */
export class DockerExecutor extends HostExecutor {
  override readonly name = 'docker';
  private readonly network: string;
  private readonly containers: string[] = [];
  private readonly configDir: string;
  private readonly mounts: string[];
  private clientDir?: string;
  private started = false;

  /**
   * `mount`: the task folder; `workingDirectory`: the job's, bind-mounted too when it lies outside the task
   * folder (an absolute `working_directory`), so the checkout the agent makes there is what the steps see.
   */
  constructor(
    scriptDir: string,
    private readonly options: { taskId: string; images: DockerImage[]; mount: string; workingDirectory?: string },
  ) {
    super(scriptDir);
    this.network = `slipway-${options.taskId}`;
    this.configDir = join(options.mount, 'docker-config');
    const wd = options.workingDirectory && posix.normalize(options.workingDirectory);
    const outside = wd && wd !== '/' && posix.relative(options.mount, wd).startsWith('..');
    this.mounts = outside ? [options.mount, wd] : [options.mount];
  }

  /**
   * The client is installed in the container by the bind mount of the task folder (`binDir` lies in it) and put
   * first on the steps' PATH by each `docker exec`. The agent sees the bind-mounted folders at the steps' paths.
   */
  useCircleciClient(binDir: string): string[] {
    this.clientDir = binDir;
    return [...this.mounts];
  }

  private get primary(): string {
    return `${this.network}-0`;
  }

  /** SSH sessions run in the primary container, as the steps do. */
  sessionCommand(o: { cwd: string; env: Record<string, string>; command?: string; tty: boolean }): { argv: string[]; env: Record<string, string> } {
    return { argv: ['docker', ...sessionArgs({ container: this.primary, ...o })], env: { ...(process.env as Record<string, string>), DOCKER_CONFIG: this.configDir } };
  }

  /** Runs `docker args...` with its messages (stderr: pulls, errors) to `onOutput`; resolves the exit code. */
  private docker(args: string[], onOutput: (d: Buffer) => void, stdin?: string): Promise<number> {
    return new Promise((resolve) => {
      const child = spawn('docker', args, { env: { ...process.env, DOCKER_CONFIG: this.configDir }, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      // stdout carries only ids (`run -d`), which say nothing to the job's reader.
      child.stdout!.resume();
      child.stderr!.on('data', onOutput);
      child.stdin?.end(stdin);
      child.on('error', (e) => (onOutput(Buffer.from(`${e.message}\n`)), resolve(127)));
      child.on('close', (code) => resolve(code ?? 1));
    });
  }

  /** Creates the network and starts every container (pulling images as needed); throws with the failing step. */
  async setUp(onOutput: (d: Buffer) => void): Promise<void> {
    mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    this.started = true;
    const quiet = () => undefined;
    if ((await this.docker(['network', 'create', this.network], quiet)) !== 0) throw new Error(`docker network create ${this.network} failed`);
    for (const [i, image] of this.options.images.entries()) {
      const login = loginArgs(this.configDir, image);
      if (login && (await this.docker(login, onOutput, image.auth!.password)) !== 0) throw new Error(`docker login for ${image.image} failed; check the image's auth credentials.`);
      const container = `${this.network}-${i}`;
      onOutput(Buffer.from(`Starting container ${image.image} as ${containerHostname(image)}\n`));
      this.containers.push(container);
      const code = await this.docker(runContainerArgs({ container, network: this.network, image, primary: i === 0, mounts: i === 0 ? this.mounts : undefined }), onOutput);
      if (code !== 0) throw new Error(`docker run ${image.image} failed (exit code ${code}); check the image name and registry access.`);
    }
  }

  protected override command(file: string, options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): StepCommand {
    const args = execArgs({ container: this.primary, cwd: options.cwd, env: options.env, shell: options.shell, file, clientDir: this.clientDir });
    return { cmd: 'docker', args, env: { ...process.env, DOCKER_CONFIG: this.configDir } as Record<string, string> };
  }

  protected override stopStep(file: string): void {
    spawn('docker', killArgs(this.primary, file), { stdio: 'ignore' }).on('error', () => undefined);
  }

  override async shutdown(): Promise<void> {
    await super.shutdown();
    if (!this.started) return;
    const quiet = () => undefined;
    if (this.containers.length) await this.docker(['rm', '-f', '-v', ...this.containers], quiet);
    await this.docker(['network', 'rm', this.network], quiet);
  }
}
