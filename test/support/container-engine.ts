import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { slipwayRoot } from '../../local/root';
import { findContainerEngine, probeEngine } from '../../shared/container/container-engine';
import { BASE_USERS, buildRootfsImage, busyboxRootfs } from '../../local/rootfs-image';

const ROOT = slipwayRoot(__dirname);
/** Engine configuration, storage and socket of the engine the tests start (git-ignored: test-output/). */
export const TEST_ENGINE_DIR = join(ROOT, 'test-output', 'container-engine');

/** The images the container suites use, built locally (no registry) once per content. */
export interface TestImages {
  /** busybox (sh, tar, gzip, nc, …), users root and circleci (3434), and `/etc/slipway-test-image` only it has. */
  busybox: string;
  /** A tiny TCP service: `pong.sh [port]` (default 7777) answers each connection with one line naming its user and `PONG_GREETING`. */
  pong: string;
  /** busybox plus this host's `docker` CLI (for `setup_remote_docker`); undefined when the CLI is not a static binary here. */
  dockerCli?: string;
}

export interface TestEngine {
  /** Environment for the `docker` CLI and for `slipway dev` (DOCKER_HOST set). */
  env: NodeJS.ProcessEnv;
  dockerHost: string;
  images: TestImages;
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** One Jest worker at a time starts the engine and builds the images: a lock folder, stale after 5 minutes. */
function withLock<T>(fn: () => T): T {
  mkdirSync(TEST_ENGINE_DIR, { recursive: true });
  const lock = join(TEST_ENGINE_DIR, 'lock');
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (i > 3000) throw new Error(`Timed out waiting for ${lock}`);
      sleepSync(100);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const alive = (pid: number) => {
  try {
    return pid > 0 && process.kill(pid, 0);
  } catch {
    return false;
  }
};

/**
 * podman's Docker API service with the settings that work on this kind of machine (TOOLCHAIN.md "Containers"):
 * runc, cgroupfs, no default ulimits, and storage of its own under {@link TEST_ENGINE_DIR}.
 */
function startPodman(): string | undefined {
  if (spawnSync('podman', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const dir = TEST_ENGINE_DIR;
  const dockerHost = `unix://${join(dir, 'podman.sock')}`;
  const pidFile = join(dir, 'service.pid');
  const running = existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8')));
  // A service this run started already (maybe slow to answer on a busy machine): wait for it, never start a second.
  for (let i = 0; i < (running ? 150 : 1); i++) {
    if (probeEngine(dockerHost, process.env, 5000)) return dockerHost;
    sleepSync(200);
  }
  if (running) return undefined;
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n');
  const storage = join(dir, 'storage.conf');
  writeFileSync(storage, `[storage]\ndriver = "overlay"\ngraphroot = "${join(dir, 'storage')}"\nrunroot = "${join(dir, 'run')}"\n`);
  rmSync(join(dir, 'podman.sock'), { force: true });
  const log = openSync(join(dir, 'service.log'), 'a');
  const child = spawn('podman', ['system', 'service', '--time=0', dockerHost], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage },
  });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  for (let i = 0; i < 150; i++) {
    if (existsSync(join(dir, 'podman.sock')) && probeEngine(dockerHost, process.env, 5000)) return dockerHost;
    sleepSync(200);
  }
  return undefined;
}

/** Stops the podman service {@link testEngine} started, if it did (Jest's global teardown does the same). */
export function stopTestEngine(): void {
  const file = join(TEST_ENGINE_DIR, 'service.pid');
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  try {
    if (pid > 0) process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  cached = undefined;
}

const PONG = `#!/bin/sh
# A tiny TCP service: one line per connection, naming the user it runs as and PONG_GREETING.
port=\${1:-7777}
while :; do echo "pong from $(id -un) \${PONG_GREETING:-}" | nc -l -p "$port"; done
`;

function buildImages(env: NodeJS.ProcessEnv): TestImages {
  const base = { ...busyboxRootfs(), files: { ...BASE_USERS, '/etc/slipway-test-image': 'built for the Slipway tests\n', '/home/circleci/.keep': '' } };
  const changes = ['ENV PATH=/usr/local/bin:/usr/bin:/bin'];
  return {
    busybox: buildRootfsImage({ repository: 'localhost/slipway-test-busybox', ...base, changes }, env),
    pong: buildRootfsImage(
      {
        repository: 'localhost/slipway-test-pong',
        ...base,
        files: { ...base.files, '/usr/local/bin/pong.sh': PONG },
        changes: [...changes, 'ENTRYPOINT ["/bin/sh", "/usr/local/bin/pong.sh"]', 'CMD ["7777"]'],
      },
      env,
    ),
    dockerCli: dockerCliPath()
      ? buildRootfsImage(
          { repository: 'localhost/slipway-test-docker-cli', ...base, binaries: { ...base.binaries, '/usr/local/bin/docker': dockerCliPath()! }, changes },
          env,
        )
      : undefined,
  };
}

/** The `docker` CLI on PATH when it is a static binary (it then runs in a busybox image). */
function dockerCliPath(): string | undefined {
  const path = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim();
  return path &&
    /not a dynamic executable|statically linked/.test(
      spawnSync('ldd', [path], { encoding: 'utf8' }).stdout + spawnSync('ldd', [path], { encoding: 'utf8' }).stderr,
    )
    ? path
    : undefined;
}

let cached: TestEngine | { skip: string } | undefined;

/**
 * The engine the container suites run on: DOCKER_HOST, else Docker's or podman's socket, else podman's API
 * service started here; plus the test images, built once. `{ skip }` says why there is none: those suites are
 * then skipped (and say so), never passed.
 */
export function testEngine(): TestEngine | { skip: string } {
  if (cached) return cached;
  cached = withLock(() => {
    const found = findContainerEngine(process.env);
    const dockerHost = found?.dockerHost ?? startPodman();
    if (!dockerHost) {
      return {
        skip: 'no container engine: DOCKER_HOST, /var/run/docker.sock and /run/podman/podman.sock do not answer, and podman could not start (apt-get install podman runc busybox-static)',
      };
    }
    const env = { ...process.env, DOCKER_HOST: dockerHost };
    try {
      return { env, dockerHost, images: buildImages(env) };
    } catch (e) {
      return { skip: `the test images could not be built: ${(e as Error).message}` };
    }
  });
  return cached;
}

/** `describe` when an engine is there, else `describe.skip` with the reason printed once. */
export function describeWithEngine(name: string, fn: (engine: TestEngine) => void): void {
  const engine = testEngine();
  if ('skip' in engine) {
    process.stderr.write(`Skipping "${name}": ${engine.skip}\n`);
    describe.skip(`${name} (skipped: ${engine.skip})`, () => it('needs a container engine', () => undefined));
    return;
  }
  describe(name, () => fn(engine));
}

/** Runs `docker args...` against the test engine; resolves stdout (throws with stderr on failure). */
export function docker(engine: TestEngine, args: string[]): string {
  const r = spawnSync('docker', args, { env: engine.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Containers, networks and volumes Slipway started that are on the engine (`label`: only those with it), with their owner's pid. */
export function slipwayResources(engine: TestEngine, label = 'io.slipway.task'): Array<{ name: string; owner: number }> {
  return (['container', 'network', 'volume'] as const).flatMap((kind) => {
    const names = docker(engine, [
      kind,
      'ls',
      ...(kind === 'container' ? ['-a'] : []),
      '--filter',
      `label=${label}`,
      '--format',
      kind === 'container' ? '{{.Names}}' : '{{.Name}}',
    ])
      .split('\n')
      .filter(Boolean);
    return names.flatMap((name) => {
      const owner = spawnSync(
        'docker',
        [
          kind,
          'inspect',
          '--format',
          kind === 'container' ? '{{index .Config.Labels "io.slipway.owner-pid"}}' : '{{index .Labels "io.slipway.owner-pid"}}',
          name,
        ],
        { env: engine.env, encoding: 'utf8' },
      );
      // Gone meanwhile (removed by its owner): not there.
      return owner.status === 0 ? [{ name, owner: Number(owner.stdout.trim()) }] : [];
    });
  });
}

/** What was left behind: Slipway's containers, networks and volumes whose owner process is gone (other suites' running tasks are not). */
export function leftovers(engine: TestEngine, label = 'io.slipway.task'): string[] {
  return slipwayResources(engine, label)
    .filter((r) => !alive(r.owner))
    .map((r) => r.name);
}
