import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_USERS, buildRootfsImage, busyboxRootfs, imageExists } from './rootfs-image';
import { slipwayRoot } from './root';

const ROOT = slipwayRoot();

/** Tools the agent runs besides Node.js: git (checkout), zstd and GNU tar (caches, workspaces: HOME-relative members); busybox gives sh. */
const TOOLS: Record<string, string> = { '/usr/bin/git': '/usr/bin/git', '/usr/bin/zstd': '/usr/bin/zstd', '/usr/bin/tar': '/usr/bin/tar' };

/** Hash of every file of the bundle folder (the agent image's tag). */
function folderHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(`${p.slice(dir.length)}\0`).update(readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 16);
}

/** The base of the local agent image: this host's Node.js (the one running now), git, zstd and busybox. */
export function agentBaseImage(env: NodeJS.ProcessEnv): string {
  const tools = Object.fromEntries(Object.entries(TOOLS).filter(([, from]) => existsSync(from)));
  return buildRootfsImage(
    {
      repository: 'localhost/slipway-agent-base',
      ...busyboxRootfs(),
      binaries: { ...busyboxRootfs().binaries, '/usr/local/bin/node': process.execPath, ...tools },
      // git runs its helpers by name from its exec path.
      links: { ...busyboxRootfs().links, '/usr/lib/git-core/git-upload-pack': '/usr/bin/git', '/usr/lib/git-core/git-receive-pack': '/usr/bin/git' },
      files: BASE_USERS,
      changes: ['ENV PATH=/usr/local/bin:/usr/bin:/bin'],
    },
    env,
  );
}

/**
 * The agent image for local mode and the tests (`localhost/slipway-agent:<hash of the bundle>`): `npm run
 * build:agent` into `bundleDir`, then agent/Dockerfile.local on {@link agentBaseImage}. Built once per content
 * (the tag hashes the base and the bundle);
 * resolves the tag. No registry is used.
 */
export function buildLocalAgentImage(env: NodeJS.ProcessEnv, bundleDir: string): string {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-agent.js'), '--outdir', bundleDir], { cwd: ROOT, stdio: 'pipe' });
  const base = agentBaseImage(env);
  const tag = `localhost/slipway-agent:${createHash('sha256')
    .update(`${base}\0${folderHash(bundleDir)}`)
    .digest('hex')
    .slice(0, 16)}`;
  if (imageExists(tag, env)) return tag;
  const r = spawnSync('docker', ['build', '-q', '-f', join(ROOT, 'agent', 'Dockerfile.local'), '--build-arg', `BASE=${base}`, '-t', tag, bundleDir], {
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`Building the agent image failed: ${r.stderr.trim()}`);
  return tag;
}

/** The image's size in bytes, as the engine reports it. */
export function imageSize(tag: string, env: NodeJS.ProcessEnv): number {
  return Number(spawnSync('docker', ['image', 'inspect', '--format', '{{.Size}}', tag], { env, encoding: 'utf8' }).stdout.trim());
}
