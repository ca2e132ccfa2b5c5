import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...env, DOCKER_HOST: dockerHost } as NodeJS.ProcessEnv, encoding: 'utf8', timeout: timeoutMs });
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
