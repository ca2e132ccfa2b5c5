import { spawn } from 'node:child_process';
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { deriveTaskDefinition, separateWorkdir } from '../aws/ecs-fargate-compute';
import { launchToken } from '../../model/compute-launch';
import { FARGATE_TASK_LAYOUT } from '../../model/resource-classes';
import type { JobCompute, LaunchResult, TaskLaunch, TaskRef } from '../../ports/job-compute';
import { dockerOut, ownerLabels, sweepOrphans } from '../../container/container-engine';
import { LoopbackRelay } from './loopback-relay';
import { localBaseTaskDefinition } from './local-task-definition';

export { localBaseTaskDefinition } from './local-task-definition';

/** The name prefix of a task's containers and volumes: the same for every launch of one (job, task, attempt). */
const taskPrefix = (task: Pick<TaskRef, 'jobId' | 'taskIndex' | 'attempt'>) => `slipway-task-${launchToken(task).slice(0, 12)}`;

/**
 * The agent's RunTask container overrides (the only per-launch values), as the Fargate adapter sends them: the
 * one-time code, never the task token (a container's environment is there for anyone to inspect).
 */
export function agentOverrides(task: TaskLaunch): Record<string, string> {
  return { [FARGATE_TASK_LAYOUT.agentUrlEnv]: task.controlPlaneUrl, [FARGATE_TASK_LAYOUT.agentCodeEnv]: task.taskCode };
}

/** Containers in start order: each after the containers it depends on (ECS `dependsOn`). */
function startOrder(containers: readonly ContainerDefinition[]): ContainerDefinition[] {
  const done = new Set<string>();
  const order: ContainerDefinition[] = [];
  const visit = (c: ContainerDefinition, depth = 0) => {
    if (done.has(c.name!) || depth > containers.length) return;
    for (const d of c.dependsOn ?? []) {
      const dep = containers.find((x) => x.name === d.containerName);
      if (dep) visit(dep, depth + 1);
    }
    done.add(c.name!);
    order.push(c);
  };
  for (const c of containers) visit(c);
  return order;
}

/**
 * `docker run -d` for one container of a task definition, in the network namespace of the task's `pause`
 * container (awsvpc: one namespace per task), with its volumes, environment, user, entry point and command.
 */
export function containerRunArgs(o: {
  name: string;
  pause: string;
  def: ContainerDefinition;
  volumes: Record<string, string>;
  env?: Record<string, string>;
  labels: Record<string, string>;
  hostPaths?: string[];
}): string[] {
  const args = ['run', '-d', '--name', o.name, '--network', `container:${o.pause}`];
  for (const [k, v] of Object.entries(o.labels)) args.push('--label', `${k}=${v}`);
  for (const m of o.def.mountPoints ?? []) args.push('-v', `${o.volumes[m.sourceVolume!]}:${m.containerPath}${m.readOnly ? ':ro' : ''}`);
  for (const path of o.hostPaths ?? []) args.push('-v', `${path}:${path}:ro`);
  const env = { ...Object.fromEntries((o.def.environment ?? []).map((e) => [e.name!, e.value ?? ''])), ...o.env };
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  if (o.def.user) args.push('--user', o.def.user);
  const [entry, ...entryArgs] = o.def.entryPoint ?? [];
  if (entry) args.push('--entrypoint', entry);
  return [...args, o.def.image!, ...entryArgs, ...(o.def.command ?? [])];
}

interface RunningTask {
  prefix: string;
  containers: string[];
  volumes: string[];
  done: Promise<void>;
  /** Settles once every container of the task was started (rejects when one could not be). */
  started: Promise<void>;
  /** Set once the task's removal started. */
  removal?: Promise<void>;
}

export interface EngineTaskComputeOptions {
  /** The agent image (`localhost/slipway-agent:<tag>`, local/agent-image.ts). */
  agentImage: string;
  /** Environment of the `docker` CLI (DOCKER_HOST). */
  env: NodeJS.ProcessEnv;
  /** Where non-docker tasks go (the host agents). */
  fallback: JobCompute;
  /**
   * Host ports the tasks reach on their own `127.0.0.1`, as the control plane and S3 are reachable from a
   * Fargate task: the control plane's and the S3 emulator's (presigned URLs name `127.0.0.1:<port>`).
   */
  loopbackPorts: () => number[];
  /**
   * Host folders the agent sidecar sees read-only at the same paths: the project's repository when it is one on
   * this machine (a `file://` URL), which `checkout` reads as it does on the host. ECS has no such thing; it
   * stands in for the network path a Fargate task has to its git server.
   */
  hostPaths?: (task: TaskLaunch) => Promise<string[]>;
  onExit?: (task: TaskLaunch) => void;
}

/**
 * Local mode's Fargate: runs a `docker` job's task from the task definition the AWS dispatcher registers (the
 * same {@link deriveTaskDefinition}, on {@link localBaseTaskDefinition}), on a container engine as ECS runs
 * it: a `pause` container owns the task's network namespace (every container answers on `localhost`; each
 * container name and `name:` resolves to 127.0.0.1), the volumes, the agent sidecar with the RunTask overrides
 * (URL and task token), the primary running the shim, the services. When the essential agent exits, or on
 * `stop`, every container, volume and network of the task is removed; what a killed runtime left is swept at
 * start (owner labels). Idempotent per (job, task, attempt): a repeat resolves once the first launch's task runs
 * (or fails with it); a stop that comes while the task starts removes it once all its containers exist.
 */
export class EngineTaskCompute implements JobCompute {
  private readonly tasks = new Map<string, RunningTask>();
  private readonly network = `slipway-tasks-${process.pid}`;
  private relay?: Promise<{ gateway: string; ports: Record<number, number> }>;

  constructor(private readonly options: EngineTaskComputeOptions) {
    sweepOrphans(options.env);
  }

  /** Where non-docker tasks go. */
  get fallback(): JobCompute {
    return this.options.fallback;
  }

  /** The runtime's task network and the host side of the loopback relay, on its gateway (made once). */
  private hostSide(): Promise<{ gateway: string; ports: Record<number, number> }> {
    this.relay ??= (async () => {
      const labels = Object.entries(ownerLabels('tasks')).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
      if (
        dockerOut(['network', 'inspect', this.network], this.options.env) === undefined &&
        dockerOut(['network', 'create', ...labels, this.network], this.options.env) === undefined
      ) {
        throw new Error(`docker network create ${this.network} failed`);
      }
      // The engine makes the network's bridge (and gateway) with its first container: one that only waits keeps it.
      const anchor = `${this.network}-anchor`;
      const keep = ['--entrypoint', '/bin/sh', this.options.agentImage, '-c', "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];
      if (
        dockerOut(['container', 'inspect', anchor], this.options.env) === undefined &&
        dockerOut(['run', '-d', '--name', anchor, ...labels, '--network', this.network, ...keep], this.options.env) === undefined
      ) {
        throw new Error(`Could not start ${anchor} on the task network.`);
      }
      const gateway = dockerOut(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', this.network], this.options.env)?.trim();
      if (!gateway) throw new Error(`The network ${this.network} has no gateway address.`);
      const relay = new LoopbackRelay();
      const ports = await relay.listen(gateway, this.options.loopbackPorts());
      this.relayServer = relay;
      return { gateway, ports };
    })();
    // Nothing runs on a network whose anchor or relay failed: it goes (a later launch makes it again).
    this.relay.catch(() => {
      this.relay = undefined;
      this.removeNetwork();
    });
    return this.relay;
  }
  private relayServer?: LoopbackRelay;

  async launch(task: TaskLaunch): Promise<LaunchResult> {
    if (task.executor.type !== 'docker') return this.options.fallback.launch(task);
    const token = launchToken(task).slice(0, 12);
    const prefix = taskPrefix(task);
    const known = this.tasks.get(prefix);
    if (known) {
      // A repeat (maybe while the first is starting): the same task, once it runs, or the first launch's error.
      await known.started;
      return { computeId: `engine:${prefix}` };
    }
    const def = deriveTaskDefinition(
      localBaseTaskDefinition(this.options.agentImage),
      `slipway-local-${token}`,
      task.executor.images,
      separateWorkdir(task.workingDirectory),
    );
    const running: RunningTask = { prefix, containers: [], volumes: [], done: Promise.resolve(), started: Promise.resolve() };
    this.tasks.set(prefix, running);
    running.started = this.start(def, running, task).catch(async (e: unknown) => {
      await this.teardown(running);
      throw e;
    });
    await running.started;
    return { computeId: `engine:${prefix}` };
  }

  private async start(def: ReturnType<typeof deriveTaskDefinition>, running: RunningTask, task: TaskLaunch): Promise<void> {
    const env = this.options.env;
    const labels = ownerLabels(running.prefix);
    const labelFlags = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    const { gateway, ports } = await this.hostSide();
    const hostPaths = (await this.options.hostPaths?.(task)) ?? [];
    const volumes: Record<string, string> = {};
    for (const v of def.volumes ?? []) {
      const name = `${running.prefix}-${v.name}`;
      if (dockerOut(['volume', 'create', ...labelFlags, name], env) === undefined) throw new Error(`docker volume create ${name} failed`);
      running.volumes.push(name);
      volumes[v.name!] = name;
    }
    const containers = def.containerDefinitions ?? [];
    // The network namespace's owner (ECS's pause container): the hosts of the task, and the relay that puts
    // the control plane's and S3's ports on the task's 127.0.0.1.
    const pause = `${running.prefix}-pause`;
    const hosts = containers.map((c) => c.name!).flatMap((n) => ['--add-host', `${n}:127.0.0.1`]);
    const relayArgs = Object.entries(ports).map(([inner, outer]) => `${inner}:${outer}`);
    running.containers.push(pause);
    const started = dockerOut(
      [
        'run',
        '-d',
        '--name',
        pause,
        ...labelFlags,
        '--network',
        this.network,
        ...hosts,
        '--entrypoint',
        'node',
        this.options.agentImage,
        '-e',
        LoopbackRelay.INNER_SCRIPT,
        gateway,
        ...relayArgs,
      ],
      env,
    );
    if (started === undefined) throw new Error(`Could not start the task's network namespace (${pause}).`);
    for (const c of startOrder(containers)) {
      const name = `${running.prefix}-${c.name}`;
      const agent = c.name === FARGATE_TASK_LAYOUT.agentContainer;
      const overrides = agent ? agentOverrides(task) : undefined;
      running.containers.push(name);
      const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn('docker', containerRunArgs({ name, pause, def: c, volumes, env: overrides, labels, hostPaths: agent ? hostPaths : undefined }), {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => resolve({ code, err }));
      });
      if (r.code !== 0) throw new Error(`Could not start container ${c.name} (${c.image}): ${r.err.trim()}`);
    }
    // The task ends with its essential container (the agent), as on ECS.
    const agent = `${running.prefix}-${FARGATE_TASK_LAYOUT.agentContainer}`;
    running.done = new Promise<void>((resolve) => {
      const wait = spawn('docker', ['wait', agent], { env, stdio: 'ignore' });
      wait.on('close', () => resolve());
      wait.on('error', () => resolve());
    }).then(async () => {
      await this.teardown(running);
      this.options.onExit?.(task);
    });
  }

  /** Removes the task's containers (services and primary before the namespace's owner), volumes; once. */
  private teardown(running: RunningTask): Promise<void> {
    running.removal ??= (async () => {
      const [pause, ...others] = running.containers;
      const rm = (names: string[]) =>
        new Promise<void>((resolve) =>
          spawn('docker', ['rm', '-f', '-v', ...names], { env: this.options.env, stdio: 'ignore' })
            .on('close', () => resolve())
            .on('error', () => resolve()),
        );
      if (others.length) await rm(others);
      if (pause) await rm([pause]);
      if (running.volumes.length) dockerOut(['volume', 'rm', '-f', ...running.volumes], this.options.env);
      this.tasks.delete(running.prefix);
    })();
    return running.removal;
  }

  /** The task's containers, while this runtime runs them (a task that ended is torn down and forgotten). */
  async find(task: TaskRef): Promise<string | undefined> {
    if (task.executor.type !== 'docker') return this.options.fallback.find(task);
    const prefix = taskPrefix(task);
    return this.tasks.has(prefix) ? `engine:${prefix}` : undefined;
  }

  async stop(computeId: string, reason: string): Promise<void> {
    if (!computeId.startsWith('engine:')) return this.options.fallback.stop(computeId, reason);
    const running = this.tasks.get(computeId.slice('engine:'.length));
    if (!running) return;
    // A task still starting is removed once all its containers exist (none is started after the removal).
    await running.started.catch(() => undefined);
    await this.teardown(running);
  }

  /** Removes every task of this runtime, its network and relay (local mode shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((t) => t.started.catch(() => undefined).then(() => this.teardown(t))));
    this.relayServer?.close();
    if (this.relay) this.removeNetwork();
  }

  private removeNetwork(): void {
    dockerOut(['rm', '-f', `${this.network}-anchor`], this.options.env);
    dockerOut(['network', 'rm', this.network], this.options.env);
  }
}
