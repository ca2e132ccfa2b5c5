import { chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FARGATE_TASK_LAYOUT } from '../../shared/model/resource-classes';
import { main } from '../main';

export interface SharedVolumeLayout {
  /** Folder the shim watches for step files (`SLIPWAY_SHIM_DIR`). */
  shimDir: string;
  /** Where the shim is installed for the primary container (`SLIPWAY_SHIM_PATH`). */
  shimPath: string;
  /** Tasks' HOME and working directories (`SLIPWAY_WORK_ROOT`). */
  workRoot: string;
  /** A working directory outside the shared volume, on a volume of its own (`SLIPWAY_WORKDIR_MOUNT`). */
  workdirMount?: string;
}

/** The user the shim (and so every step) runs as in the primary container. */
export interface ShimUser {
  uid: number;
  gid: number;
}

/** The shim shipped beside this file (`/opt/slipway/shim.sh` in the image, `agent/container/shim.sh` in the sources). */
export const SHIM_SOURCE = join(__dirname, 'shim.sh');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Prepares the volume shared with the primary container: creates the steps and work folders, installs the shim
 * (written then renamed, so the primary never runs half a file), then waits for the shim to report its user in
 * `shim.user`. Resolves that user, or `undefined` when the shim did not start within `waitMs` (the agent then goes
 * on as it is and the task reports what the steps see).
 */
export async function prepareSharedVolume(
  layout: SharedVolumeLayout,
  options: { shimSource?: string; waitMs?: number; pollMs?: number } = {},
): Promise<ShimUser | undefined> {
  for (const dir of [layout.shimDir, layout.workRoot, dirname(layout.shimPath)]) mkdirSync(dir, { recursive: true });
  const tmp = `${layout.shimPath}.${process.pid}.tmp`;
  copyFileSync(options.shimSource ?? SHIM_SOURCE, tmp);
  renameSync(tmp, layout.shimPath);
  const userFile = join(layout.shimDir, 'shim.user');
  const deadline = Date.now() + (options.waitMs ?? 10 * 60_000);
  while (Date.now() < deadline) {
    if (existsSync(userFile)) {
      const [uid, gid] = readFileSync(userFile, 'utf8').trim().split(/\s+/).map(Number);
      return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
    }
    await sleep(options.pollMs ?? 100);
  }
  return undefined;
}

/**
 * Continues as the steps' user when the agent runs as root and the primary image does not (CircleCI's images run
 * as `circleci`): the step files the agent writes with private modes, and the checkout, then belong to that user.
 */
export function becomeShimUser(layout: SharedVolumeLayout, user: ShimUser | undefined): void {
  if (!user || user.uid === 0 || !process.getuid || !process.setuid || !process.setgid || process.getuid() !== 0) return;
  for (const dir of [layout.shimDir, layout.workRoot, layout.workdirMount]) if (dir) chownSync(dir, user.uid, user.gid);
  process.setgroups?.([user.gid]);
  process.setgid(user.gid);
  process.setuid(user.uid);
  process.env.HOME = layout.workRoot;
}

/**
 * The agent image's entry point. In task mode with `SLIPWAY_SHIM_DIR` set (the Fargate sidecar) it prepares the
 * shared volume before running the task, and afterwards tells the shim to end so the primary container exits.
 * Every other case is the agent's own entry (`agent/main.ts`).
 */
export async function containerMain(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const mode = argv[0] ?? 'task';
  const shimDir = env[FARGATE_TASK_LAYOUT.shimDirEnv];
  if (
    mode !== 'task' ||
    !shimDir ||
    !env[FARGATE_TASK_LAYOUT.agentUrlEnv] ||
    !(env[FARGATE_TASK_LAYOUT.agentCodeEnv] || env[FARGATE_TASK_LAYOUT.agentTokenEnv])
  )
    return main(argv);
  const layout: SharedVolumeLayout = {
    shimDir,
    shimPath: env[FARGATE_TASK_LAYOUT.shimPathEnv] ?? FARGATE_TASK_LAYOUT.shimPath,
    workRoot: env[FARGATE_TASK_LAYOUT.workRootEnv] ?? FARGATE_TASK_LAYOUT.workRoot,
    workdirMount: env[FARGATE_TASK_LAYOUT.workdirEnv] || undefined,
  };
  process.env[FARGATE_TASK_LAYOUT.workRootEnv] = layout.workRoot;
  try {
    becomeShimUser(layout, await prepareSharedVolume(layout));
  } catch (e) {
    process.stderr.write(`slipway agent: cannot prepare the shared volume ${layout.shimDir}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    return await main(argv);
  } finally {
    writeFileSync(join(layout.shimDir, 'shutdown'), '');
  }
}

if (require.main === module) {
  void containerMain(process.argv.slice(2)).then((code) => process.exit(code));
}
