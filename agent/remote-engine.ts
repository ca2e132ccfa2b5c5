import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `setup_remote_docker` locally: a container engine of the job's own, as CircleCI's remote Docker is a VM of
 * the job's own. It is podman serving the Docker API, with everything of its own: storage root, run root,
 * temporary folder, network configuration folder, default network (its own bridge and subnet, so that engines of
 * concurrent jobs and the host's engine never collide) and socket. Images and containers the job makes are not
 * seen by the host's engine or other jobs, and the whole engine is removed when the job ends.
 *
 * Engines live in numbered slots under {@link ENGINES_ROOT} (short paths: a unix socket path has at most 107
 * bytes); slot `n` owns the subnet 10.213.n.0/24 and the bridge `slipway-rd<n>`. A slot is claimed by creating
 * its folder (atomic), and records its owner's pid: a slot whose owner is gone is torn down by the next claim.
 */
export const ENGINES_ROOT = join(tmpdir(), 'slipway-engines');
const SLOTS = 250;
/** The socket's file name in the engine's `socketDir` (which the docker executor mounts into the primary). */
export const ENGINE_SOCKET = 'docker.sock';

const alive = (pid: number) => {
  try {
    return pid > 0 && process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Whether podman is installed (the only engine that can be started per job here). */
export function podmanAvailable(): boolean {
  return spawnSync('podman', ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/** The per-job engine's configuration: TOOLCHAIN.md's podman settings plus folders and a default network of its own. */
export function engineConfig(dir: string, slot: number): { containersConf: string; network: Record<string, unknown> } {
  const name = `slipway-rd${slot}`;
  const containersConf = [
    '[containers]',
    'default_ulimits = []',
    '',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    `tmp_dir = "${join(dir, 'tmp')}"`,
    '',
    '[network]',
    `network_config_dir = "${join(dir, 'networks')}"`,
    `default_network = "${name}"`,
    `default_subnet = "10.213.${slot}.0/24"`,
    '',
  ].join('\n');
  const network = {
    name,
    id: createHash('sha256').update(name).digest('hex'),
    driver: 'bridge',
    network_interface: name,
    created: '2026-01-01T00:00:00Z',
    subnets: [{ subnet: `10.213.${slot}.0/24`, gateway: `10.213.${slot}.1` }],
    ipv6_enabled: false,
    internal: false,
    dns_enabled: false,
    ipam_options: { driver: 'host-local' },
  };
  return { containersConf, network };
}

export class RemoteEngine {
  private service?: ChildProcess;
  private started?: Promise<void>;

  constructor(
    readonly slot: number,
    readonly dir: string,
  ) {}

  /** The folder holding the engine's socket (mounted into a job's primary container). */
  get socketDir(): string {
    return join(this.dir, 'sock');
  }

  /** `DOCKER_HOST` of the engine on this host. */
  get dockerHost(): string {
    return `unix://${join(this.socketDir, ENGINE_SOCKET)}`;
  }

  private get podmanArgs(): string[] {
    return ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--tmpdir', join(this.dir, 'tmp')];
  }

  private get env(): NodeJS.ProcessEnv {
    return { ...process.env, CONTAINERS_CONF: join(this.dir, 'containers.conf') };
  }

  /** Claims a free slot (tearing down slots whose owner is gone) and writes the engine's configuration; nothing runs yet. */
  static claim(root = ENGINES_ROOT): RemoteEngine {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    for (let slot = 0; slot < SLOTS; slot++) {
      const dir = join(root, String(slot));
      const owner = Number(readIfExists(join(dir, 'owner')) ?? NaN);
      if (existsSync(dir) && (Number.isNaN(owner) || alive(owner))) continue;
      if (existsSync(dir)) new RemoteEngine(slot, dir).tearDown();
      try {
        mkdirSync(dir);
      } catch {
        continue; // claimed meanwhile by another agent
      }
      writeFileSync(join(dir, 'owner'), String(process.pid));
      const engine = new RemoteEngine(slot, dir);
      for (const d of ['root', 'run', 'tmp', 'networks', 'sock']) mkdirSync(join(dir, d), { recursive: true, mode: 0o700 });
      const { containersConf, network } = engineConfig(dir, slot);
      writeFileSync(join(dir, 'containers.conf'), containersConf);
      writeFileSync(join(dir, 'networks', `${network.name as string}.json`), JSON.stringify(network));
      return engine;
    }
    throw new Error(`No free slot for a remote Docker engine under ${root} (${SLOTS} in use).`);
  }

  /** Starts the engine's API service (once) and waits until it answers. */
  start(onOutput: (line: string) => void, timeoutMs = 120_000): Promise<void> {
    this.started ??= this.run(onOutput, timeoutMs);
    return this.started;
  }

  private async run(onOutput: (line: string) => void, timeoutMs: number): Promise<void> {
    const log = openSync(join(this.dir, 'service.log'), 'a');
    // Its own process group: a signal to the agent's group (a stop) leaves it to the agent's teardown.
    this.service = spawn('podman', [...this.podmanArgs, 'system', 'service', '--time=0', this.dockerHost], {
      env: this.env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    writeFileSync(join(this.dir, 'service.pid'), String(this.service.pid ?? ''));
    let exited = false;
    this.service.on('exit', () => (exited = true));
    this.service.on('error', () => (exited = true));
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && !exited;) {
      const r = await answer(this.dockerHost);
      if (r) {
        // Reachable from the primary container whatever user its steps run as (only this job's container mounts it).
        chmodSync(this.socketDir, 0o755);
        chmodSync(join(this.socketDir, ENGINE_SOCKET), 0o666);
        return void onOutput(`Remote Docker engine ${r} started for this job in ${this.dir} (its own storage, and network 10.213.${this.slot}.0/24)`);
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    const why = readIfExists(join(this.dir, 'service.log'))?.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`The job's remote Docker engine did not start${why ? `: ${why}` : ''}.`);
  }

  /** Stops the engine: its containers removed, the service stopped, its folders (storage, socket) removed. */
  async stop(): Promise<void> {
    const service = this.service;
    if (service && service.exitCode === null && service.signalCode === null) {
      const exited = new Promise((res) => service.once('exit', res));
      this.removeContainers();
      service.kill('SIGTERM');
      await Promise.race([exited, new Promise((res) => setTimeout(res, 15_000).unref())]);
      if (service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
    }
    this.tearDown();
  }

  /** Removes the engine's containers (this engine's storage only) with the podman CLI, which needs no service. */
  private removeContainers(): void {
    const ids =
      spawnSync('podman', [...this.podmanArgs, 'ps', '-aq'], { env: this.env, encoding: 'utf8', timeout: 60_000 })
        .stdout?.split('\n')
        .filter(Boolean) ?? [];
    if (ids.length) spawnSync('podman', [...this.podmanArgs, 'rm', '-f', '-t', '0', ...ids], { env: this.env, stdio: 'ignore', timeout: 120_000 });
  }

  /** Everything of the slot gone: a service left by a killed owner, containers, mounts under the folder, the folder. */
  tearDown(): void {
    const pid = Number(readIfExists(join(this.dir, 'service.pid')) ?? NaN);
    if (!this.service && pid > 0 && alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (existsSync(join(this.dir, 'containers.conf'))) this.removeContainers();
    // Mounts the storage driver keeps under its root, innermost first.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m) => m && (m === this.dir || m.startsWith(`${this.dir}/`)))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The engine's version when `docker version` answers at `dockerHost`, else undefined. */
function answer(dockerHost: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('docker', ['version', '--format', '{{.Server.Version}}'], {
      env: { ...process.env, DOCKER_HOST: dockerHost },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 && out.trim() ? out.trim() : undefined));
  });
}

/** Where a job's primary container finds the host engine's socket when the job has no engine of its own. */
export const REMOTE_DOCKER_SOCKET = '/var/run/docker.sock';
/** Where a job's primary container finds the folder of its own engine's socket. */
export const REMOTE_ENGINE_DIR = '/var/run/slipway-remote-docker';

/** The bind mount and `DOCKER_HOST` that give a primary container the job's own engine, else the host engine's socket. */
export function remoteDockerInContainer(
  engine: RemoteEngine | undefined,
  hostSocket: string | undefined,
): { mounts: string[]; dockerHost: string } | undefined {
  if (engine) return { mounts: [`${engine.socketDir}:${REMOTE_ENGINE_DIR}`], dockerHost: `unix://${REMOTE_ENGINE_DIR}/${ENGINE_SOCKET}` };
  return hostSocket ? { mounts: [`${hostSocket}:${REMOTE_DOCKER_SOCKET}`], dockerHost: `unix://${REMOTE_DOCKER_SOCKET}` } : undefined;
}

/** Slots of engines whose owner is gone (agents killed mid-job), torn down. Resolves how many. */
export function sweepRemoteEngines(root = ENGINES_ROOT): number {
  if (!existsSync(root)) return 0;
  let swept = 0;
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    const owner = Number(readIfExists(join(dir, 'owner')) ?? NaN);
    if (/^\d+$/.test(name) && !Number.isNaN(owner) && !alive(owner)) {
      new RemoteEngine(Number(name), dir).tearDown();
      swept++;
    }
  }
  return swept;
}
