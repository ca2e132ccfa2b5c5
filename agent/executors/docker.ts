import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { DockerImage } from '../../shared/config/plan';
import type { RunOptions } from './executor';
import { dockerOut, ownerLabels, sweepOrphans } from '../../shared/container/container-engine';
import { HostExecutor, type StepCommand } from './host';
import { remoteDockerInContainer } from '../remote-engine';

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

/** CircleCI's image label that keeps a primary image's own ENTRYPOINT. */
export const PRESERVE_ENTRYPOINT_LABEL = 'com.circleci.preserve-entrypoint';

export interface ContainerRun {
  container: string;
  /** The task's network (the primary joins it) or the primary's name (services join its network namespace). */
  network: string;
  image: DockerImage;
  primary: boolean;
  /** Bind mounts `host:container` (the primary's). */
  mounts?: string[];
  /** Host names resolving to 127.0.0.1 in every container of the task (set on the primary, shared by the others). */
  hosts?: string[];
  labels?: Record<string, string>;
  /** The primary runs its image's own ENTRYPOINT (the image says so with {@link PRESERVE_ENTRYPOINT_LABEL}). */
  preserveEntrypoint?: boolean;
}

/**
 * `docker run -d` for one container of the job, as CircleCI runs them: the primary (first image) on the task's
 * network with every container's host name resolving to 127.0.0.1, the task folder (and a working directory
 * outside it) bind-mounted at the same paths, and, unless the config gives an `entrypoint` or `command`, a
 * keep-alive in place of the image's entrypoint; services in the primary's network namespace (`localhost`), with
 * their `entrypoint`, `command`, `user` and `environment`.
 */
export function runContainerArgs(o: ContainerRun): string[] {
  const args = ['run', '-d', '--pull', 'never', '--name', o.container];
  for (const [k, v] of Object.entries(o.labels ?? {})) args.push('--label', `${k}=${v}`);
  if (o.primary) {
    args.push('--network', o.network, '--hostname', containerHostname(o.image));
    for (const host of o.hosts ?? []) args.push('--add-host', `${host}:127.0.0.1`);
  } else {
    args.push('--network', `container:${o.network}`);
  }
  if (o.image.user) args.push('--user', o.image.user);
  for (const m of o.mounts ?? []) args.push('-v', m);
  args.push(...envFlags(o.image.environment));
  const keepAlive = o.primary && !o.image.entrypoint && !o.image.command && !o.preserveEntrypoint;
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
  return [
    'exec',
    '-w',
    o.cwd,
    ...envFlags(o.env),
    o.container,
    '/bin/sh',
    '-c',
    `echo $$ > "$0.pid"; ${path}${run}`,
    o.file,
    ...shell,
    ...(shell.length ? [o.file] : []),
  ];
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
 * The `docker` executor (local mode with a reachable engine, `slipway runner` on a host with Docker): a network
 * per task, the primary container (first image) on it and the service containers in its network namespace,
 * each step run with `docker exec` in the primary, the task folder mounted at the same path, and everything
 * removed at the end. Every container and network carries the agent's pid and host ({@link sweepOrphans}).
 */
export class DockerExecutor extends HostExecutor {
  override readonly name = 'docker';
  private readonly network: string;
  private readonly containers: string[] = [];
  private readonly configDir: string;
  private readonly mounts: string[];
  private readonly labels: Record<string, string>;
  private clientDir?: string;
  private started = false;
  /** The primary's user when it is not root (its `user:`): the task's files are handed over to it. */
  private owner?: { uid: number; gid: number };

  /**
   * `mount`: the task folder; `workingDirectory`: the job's, bind-mounted too when it lies outside the task
   * folder (an absolute `working_directory`), so the checkout the agent makes there is what the steps see.
   */
  constructor(
    scriptDir: string,
    private readonly options: {
      taskId: string;
      images: DockerImage[];
      mount: string;
      workingDirectory?: string;
      /** The engine's socket on this host, given to the primary for `setup_remote_docker` (see {@link remoteDockerInContainer}). */
      remoteDockerSocket?: string;
    },
  ) {
    super(scriptDir);
    this.network = `slipway-${options.taskId}`;
    this.configDir = join(options.mount, 'docker-config');
    const wd = options.workingDirectory && posix.normalize(options.workingDirectory);
    const outside = wd && wd !== '/' && posix.relative(options.mount, wd).startsWith('..');
    this.mounts = outside ? [options.mount, wd] : [options.mount];
    this.labels = ownerLabels(options.taskId);
  }

  /**
   * The client is installed in the container by the bind mount of the task folder (`binDir` lies in it) and put
   * first on the steps' PATH by each `docker exec`. The agent sees the bind-mounted folders at the steps' paths.
   */
  useCircleciClient(binDir: string): string[] {
    this.clientDir = binDir;
    return [...this.mounts];
  }

  /**
   * Where the job's own `docker` commands reach an engine after `setup_remote_docker`: the job's own engine
   * (its socket folder mounted into the primary), else the host engine's socket (mounted), or undefined.
   */
  override get remoteDockerHost(): string | undefined {
    return remoteDockerInContainer(this.remoteEngine, this.options.remoteDockerSocket)?.dockerHost;
  }

  private get primary(): string {
    return `${this.network}-0`;
  }

  /** SSH sessions run in the primary container, as the steps do. */
  sessionCommand(o: { cwd: string; env: Record<string, string>; command?: string; tty: boolean }): { argv: string[]; env: Record<string, string> } {
    return { argv: ['docker', ...sessionArgs({ container: this.primary, ...o })], env: this.env as Record<string, string> };
  }

  private get env(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_CONFIG: this.configDir };
  }

  /** Runs `docker args...` with its messages (stdout too with `showStdout`: pull progress) to `onOutput`; resolves the exit code. */
  private docker(args: string[], onOutput: (d: Buffer) => void, options: { stdin?: string; showStdout?: boolean } = {}): Promise<number> {
    return new Promise((resolve) => {
      const child = spawn('docker', args, { env: this.env, stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      // Without `showStdout`, stdout carries only ids (`run -d`), which say nothing to the job's reader.
      if (options.showStdout) child.stdout!.on('data', onOutput);
      else child.stdout!.resume();
      child.stderr!.on('data', onOutput);
      child.stdin?.end(options.stdin);
      child.on('error', (e) => (onOutput(Buffer.from(`${e.message}\n`)), resolve(127)));
      child.on('close', (code) => resolve(code ?? 1));
    });
  }

  /**
   * The image in the engine: taken as it is when present (locally built images need no registry), else pulled
   * with its `auth` (progress to `onOutput`). Resolves whether the image asks to keep its entrypoint.
   */
  private async ensureImage(image: DockerImage, onOutput: (d: Buffer) => void): Promise<boolean> {
    const labels = () => dockerOut(['image', 'inspect', '--format', `{{index .Config.Labels "${PRESERVE_ENTRYPOINT_LABEL}"}}`, image.image], this.env);
    let present = labels();
    if (present === undefined) {
      if (image.authError) throw new Error(image.authError);
      const login = loginArgs(this.configDir, image);
      if (login && (await this.docker(login, onOutput, { stdin: image.auth!.password })) !== 0)
        throw new Error(`docker login for ${image.image} failed; check the image's auth credentials.`);
      onOutput(Buffer.from(`Pulling image ${image.image}\n`));
      const code = await this.docker(['pull', image.image], onOutput, { showStdout: true });
      if (code !== 0)
        throw new Error(
          `docker pull ${image.image} failed (exit code ${code}); check the image name and registry access${image.auth ? '' : ' (private images need `auth`)'}.`,
        );
      present = labels();
    } else {
      onOutput(Buffer.from(`Using image ${image.image} from the local engine\n`));
    }
    return present?.trim() === 'true';
  }

  /** Creates the network and starts every container (pulling images as needed); throws with the failing step. */
  async setUp(onOutput: (d: Buffer) => void): Promise<void> {
    mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    this.started = true;
    const swept = sweepOrphans(this.env);
    if (swept.length) onOutput(Buffer.from(`Removed ${swept.length} container(s) and network(s) left by agents that were killed\n`));
    const labelFlags = Object.entries(this.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    if ((await this.docker(['network', 'create', ...labelFlags, this.network], () => undefined)) !== 0)
      throw new Error(`docker network create ${this.network} failed`);
    const hosts = [...new Set(this.options.images.map(containerHostname))];
    for (const [i, image] of this.options.images.entries()) {
      const preserveEntrypoint = await this.ensureImage(image, onOutput);
      const container = `${this.network}-${i}`;
      const primary = i === 0;
      onOutput(Buffer.from(`Starting container ${image.image}${primary ? ' (primary)' : ` as ${containerHostname(image)}`}\n`));
      this.containers.push(container);
      const remote = remoteDockerInContainer(this.remoteEngine, this.options.remoteDockerSocket)?.mounts ?? [];
      const mounts = primary ? [...this.mounts.map((m) => `${m}:${m}`), ...remote] : undefined;
      const args = runContainerArgs({
        container,
        network: primary ? this.network : this.primary,
        image,
        primary,
        mounts,
        hosts,
        labels: this.labels,
        preserveEntrypoint: primary && preserveEntrypoint,
      });
      const code = await this.docker(args, onOutput);
      if (code !== 0) throw new Error(`docker run ${image.image} failed (exit code ${code}); check the image name and registry access.`);
    }
    if (this.options.images[0]?.user) {
      const [uid, gid] = (dockerOut(['exec', this.primary, '/bin/sh', '-c', 'echo "$(id -u) $(id -g)"'], this.env) ?? '').trim().split(/\s+/).map(Number);
      if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) this.owner = { uid, gid };
      this.handOver();
    }
  }

  /**
   * Gives the task's folders (bind-mounted into the primary) to the primary's user when it is not root, as the
   * Fargate sidecar does by becoming that user: the steps write where the agent checked out and restored. Needs
   * the agent to run as root (local mode); otherwise the folders stay the agent's.
   */
  handOver(): void {
    if (!this.owner) return;
    spawnSync('chown', ['-R', `${this.owner.uid}:${this.owner.gid}`, ...this.mounts], { stdio: 'ignore' });
  }

  protected override command(file: string, options: Omit<RunOptions, 'signal' | 'noOutputTimeoutMs'>): StepCommand {
    if (this.owner) {
      try {
        chownSync(file, this.owner.uid, this.owner.gid);
      } catch {
        // not root: the step runs with the file as it is
      }
    }
    const args = execArgs({ container: this.primary, cwd: options.cwd, env: options.env, shell: options.shell, file, clientDir: this.clientDir });
    return { cmd: 'docker', args, env: this.env as Record<string, string> };
  }

  protected override stopStep(file: string): void {
    spawn('docker', killArgs(this.primary, file), { stdio: 'ignore', env: this.env }).on('error', () => undefined);
  }

  override async shutdown(): Promise<void> {
    await super.shutdown();
    if (!this.started) return;
    const quiet = () => undefined;
    // Services first (the CLI removes the containers of one call concurrently): they live in the primary's network namespace.
    const [primary, ...services] = this.containers;
    if (services.length) await this.docker(['rm', '-f', '-v', ...services], quiet);
    if (primary) await this.docker(['rm', '-f', '-v', primary], quiet);
    await this.docker(['network', 'rm', this.network], quiet);
  }
}
