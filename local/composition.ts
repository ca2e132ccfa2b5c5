import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleDeps, cachedDeps, coreStores, type DepsProvider } from '../functions/assemble-deps';
import { readEnv } from '../functions/env';
import { createAwsClients } from '../shared/adapters/aws/clients';
import { EcrRegistryTokens } from '../shared/adapters/aws/ecr-registry-tokens';
import { localRepositoryPath } from '../shared/model/repository-url';
import { WorkerConfigCompiler } from '../shared/adapters/compile/worker-config-compiler';
import { DirectoryOrbResolver } from '../shared/adapters/local/directory-orb-resolver';
import { EngineTaskCompute } from '../shared/adapters/local/engine-task-compute';
import { HostProcessCompute } from '../shared/adapters/local/host-process-compute';
import { LocalKeyCipher } from '../shared/adapters/local/local-key-cipher';
import { LocalOidcSigningKey } from '../shared/adapters/local/local-oidc-signing-key';
import { SmtpMailer } from '../shared/adapters/local/smtp-mailer';
import type { JobCompute } from '../shared/ports/job-compute';
import type { ProjectStore } from '../shared/ports/project-store';
import type { ControlPlaneDeps } from '../shared/services/deps';
import { RunnerQueueCompute } from '../shared/adapters/runner-queue-compute';

/** A key file in the data folder, created on first use (local mode's stand-in for KMS/Secrets Manager). */
function localKey(dataDir: string, name: string): Buffer {
  const dir = join(dataDir, 'keys');
  const file = join(dir, name);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file);
}

/** Host agents for every job; docker jobs as Fargate-style tasks on the engine when the agent image is there. */
function localCompute(env: NodeJS.ProcessEnv, dataDir: string, projects: ProjectStore): JobCompute {
  const engine = env.DOCKER_HOST ? { DOCKER_HOST: env.DOCKER_HOST } : undefined;
  const host = new HostProcessCompute({
    agentCommand: JSON.parse(env.SLIPWAY_AGENT_COMMAND ?? '[]'),
    workRoot: join(dataDir, 'work'),
    prewarm: true,
    env: engine,
  });
  host.warm();
  const port = (url: string | undefined) => Number(url && new URL(url).port);
  if (!env.SLIPWAY_AGENT_IMAGE) return host;
  return new EngineTaskCompute({
    agentImage: env.SLIPWAY_AGENT_IMAGE,
    env: { ...env, ...engine },
    fallback: host,
    loopbackPorts: () => [port(env.PUBLIC_URL), port(env.AWS_ENDPOINT_URL_S3)].filter(Boolean),
    // `checkout` of a project whose repository is a folder here reads it in the agent sidecar.
    hostPaths: async (task) => {
      const url = (await projects.getProject(task.projectSlug))?.repoUrl;
      const path = url && localRepositoryPath(url);
      return path && existsSync(path) ? [path] : [];
    },
  });
}

export interface LocalDeps {
  /** Built once (the first call builds). */
  getDeps: DepsProvider;
  /** Stops the host agents, task containers and compile workers this composition started. */
  shutdown(): Promise<void>;
}

/**
 * The all-in-one's composition root: the same stores as AWS (on the emulators named in `env`), with keys in the
 * data folder, jobs on this host (or the container engine), SMTP email and a local orbs folder. Reads only the
 * environment it is given.
 */
export function localComposition(env: NodeJS.ProcessEnv): LocalDeps {
  let started = false;
  const build = async (): Promise<ControlPlaneDeps> => {
    const fnEnv = readEnv(env);
    const dataDir = fnEnv.DATA_DIR ?? '/tmp/slipway';
    const clients = createAwsClients(env);
    const core = coreStores(clients, fnEnv);
    return assembleDeps(fnEnv, clients, core, {
      signingKey: localKey(dataDir, 'signing.key'),
      cipher: new LocalKeyCipher(localKey(dataDir, 'secrets.key')),
      oidcKey: new LocalOidcSigningKey(join(dataDir, 'keys', 'oidc.json')),
      compute: localCompute(env, dataDir, core.projects),
      // Agents that pull private images log in to ECR with the job's aws_auth (Fargate pulls with its role instead).
      registryTokens: new EcrRegistryTokens(),
      mailer: fnEnv.SLIPWAY_SMTP_URL ? new SmtpMailer(fnEnv.SLIPWAY_SMTP_URL, fnEnv.SLIPWAY_EMAIL_FROM ?? 'Slipway <slipway@localhost>') : undefined,
      orbResolvers: fnEnv.SLIPWAY_ORBS_DIR ? [new DirectoryOrbResolver(fnEnv.SLIPWAY_ORBS_DIR)] : [],
      gitDir: dataDir,
      local: true,
    });
  };
  const getDeps = cachedDeps(() => ((started = true), build()));
  return {
    getDeps,
    async shutdown() {
      if (!started) return;
      const deps = await getDeps().catch(() => undefined);
      const compute = deps?.compute instanceof RunnerQueueCompute ? deps.compute.inner : deps?.compute;
      if (compute instanceof EngineTaskCompute) await compute.stopAll();
      const host = compute instanceof EngineTaskCompute ? compute.fallback : compute;
      if (host instanceof HostProcessCompute) host.stopAll();
      if (deps?.configCompiler instanceof WorkerConfigCompiler) await deps.configCompiler.close();
    },
  };
}
