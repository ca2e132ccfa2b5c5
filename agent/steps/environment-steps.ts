import { connect } from 'node:net';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddSshKeysStep, SetupRemoteDockerStep } from '../../shared/config/plan';
import type { RemoteEngine } from '../remote-engine';
import { StepError, type StepHandler } from './context';

/**
 * `add_ssh_keys`: writes the project's SSH keys carried by the job spec (all of them, or those with the
 * given fingerprints) to `~/.ssh` and adds them to `~/.ssh/config`. A fingerprint without a key is an error.
 */
export const addSshKeysStep: StepHandler<AddSshKeysStep> = async (step, ctx) => {
  const keys = ctx.spec.sshKeys ?? [];
  const wanted = step.fingerprints.length ? step.fingerprints : keys.map((k) => k.fingerprint);
  const dir = join(ctx.home, '.ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const fp of wanted) {
    const key = keys.find((k) => k.fingerprint === fp || k.fingerprint.replace(/^SHA256:/, '') === fp.replace(/^SHA256:/, ''));
    if (!key) throw new StepError(`No SSH key with fingerprint ${fp} is configured for this project. Add it in the project settings or fix the fingerprint.`);
    const file = join(dir, `id_rsa_${fp.replace(/[^A-Za-z0-9]/g, '')}`);
    writeFileSync(file, key.privateKey.endsWith('\n') ? key.privateKey : `${key.privateKey}\n`, { mode: 0o600 });
    appendFileSync(join(dir, 'config'), `Host ${key.hostname ?? '*'}\n  IdentityFile ${file}\n  IdentitiesOnly no\n`, { mode: 0o600 });
    ctx.log.note(`Added SSH key ${fp}${key.hostname ? ` for ${key.hostname}` : ''}`);
  }
  if (!wanted.length) ctx.log.note('No SSH keys are configured for this project; nothing to add.');
  return { status: 'success', exitCode: 0 };
};

function reachable(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    setTimeout(() => done(false), 2000).unref();
  });
}

/** The Docker engine this agent can reach: `DOCKER_HOST` (unix socket) or `/var/run/docker.sock`. */
export async function findDockerEngine(env: Record<string, string | undefined>): Promise<string | undefined> {
  const host = env.DOCKER_HOST;
  const socket = host?.startsWith('unix://') ? host.slice(7) : host ? undefined : '/var/run/docker.sock';
  if (host && !socket) return host;
  if (socket && existsSync(socket) && (await reachable(socket))) return `unix://${socket}`;
  return undefined;
}

/**
 * `setup_remote_docker`: starts the job's own engine (podman with its own storage, network and socket; see
 * `RemoteEngine`) and points later steps at it; without one, at a reachable engine shared with the host (said in
 * the step's output), or fails clearly.
 */
export const setupRemoteDockerStep: StepHandler<SetupRemoteDockerStep> = async (_step, ctx) => {
  const executor = ctx.executor as { remoteEngine?: RemoteEngine; remoteDockerHost?: string };
  if (executor.remoteEngine) {
    await executor.remoteEngine.start((line) => ctx.log.note(line));
    ctx.env.DOCKER_HOST = executor.remoteDockerHost!;
    ctx.log.note(`Remote Docker engine: ${ctx.env.DOCKER_HOST}`);
    return { status: 'success', exitCode: 0 };
  }
  // The docker executor gives the primary container the host engine's socket.
  const inContainer = executor.remoteDockerHost;
  const engine = inContainer ?? (ctx.executor.name === 'container' ? undefined : await findDockerEngine({ ...process.env, ...ctx.env }));
  if (!engine) {
    throw new StepError(
      ctx.executor.name === 'container'
        ? 'setup_remote_docker: this docker job runs on Fargate, which has no Docker daemon. Run jobs that build images on a machine executor (`machine: true`), or in local mode with a container engine.'
        : 'setup_remote_docker: no Docker engine is reachable from this agent (checked DOCKER_HOST and /var/run/docker.sock). Run the job on a machine executor or a runner with Docker, or remove the step.',
    );
  }
  ctx.env.DOCKER_HOST = engine;
  ctx.log.note(`Remote Docker engine: ${engine}`);
  ctx.log.note(
    'Warning: this job has no engine of its own (that needs podman and an agent running as root): its images and containers are shared with the host engine.',
  );
  return { status: 'success', exitCode: 0 };
};
