import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSpec } from '../shared/model/job-spec';
import { TASK_CONFIG_FILE, type TaskDataConfig } from './circleci-command';
import type { ControlPlaneClient } from './client';
import { DockerExecutor, dockerEngineReachable } from './executors/docker';
import type { StepExecutor } from './executors/executor';
import { HostExecutor } from './executors/host';
import { RemoteEngine, podmanAvailable, sweepRemoteEngines } from './remote-engine';

/** The folders of one task under the agent's work root: its own HOME, scripts, `circleci` command, task data. */
export interface TaskFolders {
  root: string;
  home: string;
  scripts: string;
  bin: string;
  taskData: string;
  scratch: string;
  /** The job's working directory with `~` expanded to this task's HOME. */
  workingDirectory: string;
  bashEnv: string;
}

/** The task's folder name: unique per job, task, attempt and agent process. */
export const taskRootOf = (workRoot: string, spec: JobSpec) => join(workRoot, `${spec.job.id}-${spec.task.index}-${spec.task.attempt}-${process.pid}`);

/** Creates the task's folders and the task data the in-job `circleci` command reads (the task token, mode 0600). */
export function createTaskFolders(root: string, spec: JobSpec, client: Pick<ControlPlaneClient, 'baseUrl' | 'token'>): TaskFolders {
  const home = join(root, 'home');
  const folders = { root, home, scripts: join(root, 'scripts'), bin: join(root, 'bin'), taskData: join(root, 'task-data'), scratch: join(root, 'scratch') };
  for (const d of [home, folders.scripts, folders.bin, folders.taskData, folders.scratch]) mkdirSync(d, { recursive: true });
  const config: TaskDataConfig = { url: client.baseUrl, token: client.token };
  writeFileSync(join(folders.taskData, TASK_CONFIG_FILE), JSON.stringify(config), { mode: 0o600 });
  const workingDirectory = spec.plan.workingDirectory.replace(/^~(?=\/|$)/, home);
  mkdirSync(workingDirectory, { recursive: true });
  const bashEnv = join(root, 'bash_env');
  writeFileSync(bashEnv, '');
  return { ...folders, workingDirectory, bashEnv };
}

/** The steps' environment. Precedence (CircleCI): shell > step > job > built-in > context > project; the spec merges the last three. */
export function taskEnvironment(spec: JobSpec, f: TaskFolders): Record<string, string> {
  return {
    PATH: `${f.bin}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    LANG: process.env.LANG ?? 'C.UTF-8',
    HOME: f.home,
    USER: process.env.USER ?? 'circleci',
    SHELL: '/bin/bash',
    BASH_ENV: f.bashEnv,
    // The primary image's `environment` (its container's own, as a docker container would have it; below the
    // project's, contexts' and job's variables, which CircleCI adds at each step).
    ...(spec.plan.executor.type === 'docker' ? spec.plan.executor.images[0]?.environment : undefined),
    ...spec.environment,
    CIRCLE_WORKING_DIRECTORY: spec.plan.workingDirectory,
    CIRCLE_INTERNAL_TASK_DATA: f.taskData,
    ...spec.plan.environment,
  };
}

/** The engine's unix socket on this host (`DOCKER_HOST`, else Docker's), for the docker executor's `setup_remote_docker`. */
function engineSocket(dockerHost: string | undefined): string | undefined {
  if (!dockerHost) return existsSync('/var/run/docker.sock') ? '/var/run/docker.sock' : undefined;
  return dockerHost.startsWith('unix://') ? dockerHost.slice('unix://'.length) : undefined;
}

/**
 * A job with `setup_remote_docker` on this host gets an engine of its own when podman is installed and the agent
 * runs as root, as a bridge network of its own needs (claimed now, started by that step, removed with the
 * executor); otherwise its `docker` commands reach the host's engine.
 */
function remoteEngineFor(spec: JobSpec): RemoteEngine | undefined {
  if (!spec.plan.steps.some((s) => s.type === 'setup_remote_docker') || process.getuid?.() !== 0 || !podmanAvailable()) return undefined;
  sweepRemoteEngines(); // engines of agents killed mid-job
  return RemoteEngine.claim();
}

/** A docker job uses the local Docker engine when one answers; otherwise it runs on the host (said in its first step). */
export function chooseExecutor(spec: JobSpec, f: TaskFolders, factory?: (scriptDir: string) => StepExecutor): StepExecutor {
  const custom = factory?.(f.scripts);
  if (custom) return custom;
  // DOCKER_HOST names the engine chosen for this agent (`slipway dev` sets it): a slow answer of a busy engine
  // must not send a docker job to the host; only without it is an engine looked for.
  const executor =
    spec.plan.executor.type !== 'docker' || !(process.env.DOCKER_HOST || dockerEngineReachable({ ...process.env }))
      ? new HostExecutor(f.scripts)
      : new DockerExecutor(f.scripts, {
          taskId: `${spec.job.id.slice(0, 8)}-${spec.task.index}-${spec.task.attempt}-${process.pid}`,
          images: spec.plan.executor.images,
          mount: f.root,
          workingDirectory: f.workingDirectory,
          remoteDockerSocket: spec.plan.steps.some((s) => s.type === 'setup_remote_docker') ? engineSocket(process.env.DOCKER_HOST) : undefined,
        });
  executor.remoteEngine = remoteEngineFor(spec);
  return executor;
}
