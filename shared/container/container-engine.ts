import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** A Docker-API engine the `docker` CLI reaches: Docker itself, or podman serving the Docker API on a socket. */
export interface ContainerEngine {
  /** `DOCKER_HOST` for the `docker` CLI (`unix:///…/podman.sock`, `tcp://…`). */
  dockerHost: string;
  /** The engine's version, as `docker version` reports it. */
  version: string;
}

/** The sockets tried when `DOCKER_HOST` is not set, in order: Docker's, rootful podman's, rootless podman's. */
export function engineSockets(env: Record<string, string | undefined> = process.env): string[] {
  const sockets = ['/var/run/docker.sock', '/run/podman/podman.sock'];
  if (env.XDG_RUNTIME_DIR) sockets.push(join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'));
  return sockets.map((s) => `unix://${s}`);
}

/** The engine at `dockerHost` when `docker version` answers within `timeoutMs` (the CLI must be on PATH). */
export function probeEngine(dockerHost: string, env: Record<string, string | undefined> = process.env, timeoutMs = 10_000): ContainerEngine | undefined {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    env: { ...env, DOCKER_HOST: dockerHost } as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return r.status === 0 && r.stdout.trim() ? { dockerHost, version: r.stdout.trim() } : undefined;
}

/**
 * The container engine local mode uses: `DOCKER_HOST` when set (and only it: an explicit choice is never second
 * guessed), else the first of {@link engineSockets} that exists and answers. Undefined when none does, or when the
 * `docker` CLI is not installed.
 */
export function findContainerEngine(env: Record<string, string | undefined> = process.env): ContainerEngine | undefined {
  if (env.DOCKER_HOST) return probeEngine(env.DOCKER_HOST, env);
  for (const host of engineSockets(env)) {
    if (existsSync(host.slice('unix://'.length))) {
      const engine = probeEngine(host, env);
      if (engine) return engine;
    }
  }
  return undefined;
}

/** Labels on every container and network Slipway starts: the task, and the process (and host) that owns it. */
export const TASK_LABEL = 'io.slipway.task';
export const OWNER_PID_LABEL = 'io.slipway.owner-pid';
export const OWNER_HOST_LABEL = 'io.slipway.owner-host';

/** The labels of a task's containers and network, owned by this process. */
export const ownerLabels = (taskId: string): Record<string, string> => ({
  [TASK_LABEL]: taskId,
  [OWNER_PID_LABEL]: String(process.pid),
  [OWNER_HOST_LABEL]: hostname(),
});

/** Runs `docker args...` (no output kept); resolves its stdout, or undefined when it failed. */
export function dockerOut(args: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const r = spawnSync('docker', args, { env, encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout : undefined;
}

const alive = (pid: number) => {
  try {
    return pid > 0 && process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes the containers, volumes and networks that owners on this host (agents, the local task runner) left behind when they were killed (their
 * {@link OWNER_PID_LABEL} process is gone): services before the primary whose namespace they share. Safe to run
 * while other agents work: their processes are alive. Resolves the names removed.
 */
export function sweepOrphans(env: NodeJS.ProcessEnv = process.env, host = hostname()): string[] {
  const listed = dockerOut(['ps', '-a', '--filter', `label=${OWNER_HOST_LABEL}=${host}`, '--format', `{{.Names}}\t{{.Label "${OWNER_PID_LABEL}"}}`], env) ?? '';
  const dead = listed
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([name, pid]) => name && !alive(Number(pid)))
    .map(([name]) => name);
  // Names end in the image's index: the highest (a service) first, the primary last.
  const removed = dead
    .sort((a, b) => Number(b.split('-').pop()) - Number(a.split('-').pop()))
    .filter((name) => dockerOut(['rm', '-f', '-v', name], env) !== undefined);
  for (const kind of ['volume', 'network']) {
    const names = dockerOut([kind, 'ls', '--filter', `label=${OWNER_HOST_LABEL}=${host}`, '--format', '{{.Name}}'], env) ?? '';
    for (const name of names.split('\n').filter(Boolean)) {
      const pid = dockerOut([kind, 'inspect', '--format', `{{index .Labels "${OWNER_PID_LABEL}"}}`, name], env)?.trim();
      if (pid && !alive(Number(pid)) && dockerOut([kind, 'rm', name], env) !== undefined) removed.push(name);
    }
  }
  return removed;
}
