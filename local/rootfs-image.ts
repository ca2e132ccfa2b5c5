import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** What goes into an image built without a registry: host binaries (with their shared libraries) and files. */
export interface RootfsSpec {
  /** Repository part of the tag (`localhost/slipway-agent-base`); the tag is a hash of the contents. */
  repository: string;
  /** Host binaries copied to the same path, each with the libraries `ldd` lists. */
  binaries: Record<string, string>;
  /** Symlinks `path → target` (e.g. `/bin/sh → busybox`). */
  links?: Record<string, string>;
  /** Plain files `path → content` (mode 0755 when the path ends in `.sh` or lies in a `bin` folder). */
  files?: Record<string, string>;
  /** `docker import --change` instructions (`ENV PATH=…`, `ENTRYPOINT […]`). */
  changes?: string[];
}

/** The libraries a dynamically linked binary loads (none for a static one), as `ldd` lists them. */
export function sharedLibraries(binary: string): string[] {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return [...r.stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

const fingerprint = (spec: RootfsSpec) => {
  const hash = createHash('sha256').update(
    JSON.stringify({ ...spec, binaries: Object.entries(spec.binaries).map(([to, from]) => [to, from, statSync(from).size, statSync(from).mtimeMs]) }),
  );
  return hash.digest('hex').slice(0, 16);
};

/** Whether the engine has the image already. */
export function imageExists(tag: string, env: NodeJS.ProcessEnv): boolean {
  return spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { env, stdio: 'ignore' }).status === 0;
}

/**
 * Builds (once per content) an image from a root filesystem assembled on this host and imported into the
 * engine (`docker import`): no registry and no base image needed. Resolves the tag.
 */
export function buildRootfsImage(spec: RootfsSpec, env: NodeJS.ProcessEnv): string {
  const tag = `${spec.repository}:${fingerprint(spec)}`;
  if (imageExists(tag, env)) return tag;
  const root = mkdtempSync(join(tmpdir(), 'slipway-rootfs-'));
  try {
    const put = (path: string, from: string) => {
      const to = join(root, path);
      if (existsSync(to)) return;
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(realpathSync(from), to);
      chmodSync(to, statSync(realpathSync(from)).mode & 0o777);
    };
    for (const [path, from] of Object.entries(spec.binaries)) {
      put(path, from);
      for (const lib of sharedLibraries(from)) put(lib, lib);
    }
    for (const [path, target] of Object.entries(spec.links ?? {})) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      if (!existsSync(join(root, path))) symlinkSync(target, join(root, path));
    }
    for (const [path, content] of Object.entries(spec.files ?? {})) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content, { mode: /\.sh$|\/bin\//.test(path) ? 0o755 : 0o644 });
    }
    mkdirSync(join(root, 'tmp'), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    const tar = spawnSync('tar', ['-C', root, '-cf', '-', '.'], { maxBuffer: 1 << 30 });
    if (tar.status !== 0) throw new Error(`Could not pack the root filesystem of ${tag}: ${String(tar.stderr)}`);
    const args = ['import', ...(spec.changes ?? []).flatMap((c) => ['--change', c]), '-', tag];
    const imported = spawnSync('docker', args, { env, input: tar.stdout, maxBuffer: 1 << 20, encoding: 'buffer' });
    if (imported.status !== 0) throw new Error(`docker import ${tag} failed: ${String(imported.stderr)}`);
    return tag;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** busybox (package busybox-static on Debian) with its applets linked in /bin: sh, tar, gzip, nc, … */
export function busyboxRootfs(busybox = '/bin/busybox'): Pick<RootfsSpec, 'binaries' | 'links'> {
  if (!existsSync(busybox)) throw new Error(`${busybox} is missing: install busybox-static (apt-get install busybox-static).`);
  const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((a) => /^[\w.[-]+$/.test(a) && a !== 'busybox');
  return { binaries: { '/bin/busybox': busybox }, links: Object.fromEntries(applets.map((a) => [`/bin/${a}`, 'busybox'])) };
}

/** /etc/passwd and /etc/group with root and CircleCI's `circleci` user (3434), as its images have. */
export const BASE_USERS: Record<string, string> = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ncircleci:x:3434:3434:circleci:/home/circleci:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  '/etc/group': 'root:x:0:\ncircleci:x:3434:\nnogroup:x:65534:\n',
};

/** The content of a file, for hashing build inputs. */
export const fileHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
