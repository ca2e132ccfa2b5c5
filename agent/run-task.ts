import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepPlan } from '../shared/config/plan';
import { inlineOutputBudget, type JobSpec, type StepReport, type TestCaseResult } from '../shared/model/job-spec';
import type { JobStatus } from '../shared/model/statuses';
import { HALT_FILE, TASK_CONFIG_FILE, type TaskDataConfig } from './circleci-command';
import { installCircleciCommand } from './circleci-server';
import type { ControlPlaneClient } from './client';
import type { StepExecutor } from './executors/executor';
import { DockerExecutor, dockerEngineReachable } from './executors/docker';
import { HostExecutor } from './executors/host';
import { DEFAULT_LOG_POLICY, PresignedLogSink, StepLogStream, type LogPolicy } from './log-stream';
import { SecretMasker } from './mask';
import { SshSteps } from './ssh-steps';
import { StepReporter } from './step-reporter';
import { StepError, type StepContext, type StepOutcome } from './steps/context';
import { stepHandlers } from './steps';

export interface RunTaskOptions {
  client: ControlPlaneClient;
  /** Folder under which this task gets its own HOME and working directory (removed at the end). */
  workRoot: string;
  /** Log upload batching (tests use small values). */
  log?: Partial<LogPolicy>;
  executorFactory?: (scriptDir: string) => StepExecutor;
  /** argv that runs the agent's `circleci` mode (default: this process's own entry point). */
  circleciCommand?: string[];
  /** How long step events may wait to be batched into one report (default 2 s). */
  reportDelayMs?: number;
}

/** Steps that run after a failure unless told otherwise (CircleCI keeps artifacts and test results of failed jobs). */
const KEEP_AFTER_FAILURE: ReadonlySet<string> = new Set(['store_artifacts', 'store_test_results']);

function shouldRun(step: StepPlan, failed: boolean): boolean {
  if (step.when === 'always') return true;
  if (step.when === 'on_fail') return failed;
  return !failed || KEEP_AFTER_FAILURE.has(step.type);
}

/** The engine's unix socket on this host (`DOCKER_HOST`, else Docker's), for the docker executor's `setup_remote_docker`. */
function engineSocket(dockerHost: string | undefined): string | undefined {
  if (!dockerHost) return existsSync('/var/run/docker.sock') ? '/var/run/docker.sock' : undefined;
  return dockerHost.startsWith('unix://') ? dockerHost.slice('unix://'.length) : undefined;
}

/**
 * What `docker_layer_caching: true` (executor or `setup_remote_docker`) becomes, said in the job's first step:
 * with the docker executor on a local engine, the engine's own build cache, which persists between jobs; on
 * other executors (Fargate, ephemeral EC2 machines) it is not available and ignored.
 */
export function layerCachingNote(plan: JobSpec['plan'], executorName: string): string | undefined {
  const asked = plan.executor.dockerLayerCaching || plan.steps.some((s) => s.type === 'setup_remote_docker' && s.dockerLayerCaching);
  if (!asked) return undefined;
  return executorName === 'docker'
    ? 'docker_layer_caching: layers are cached by the local container engine, which keeps them between jobs.'
    : 'Warning: docker_layer_caching is not available on this executor and is ignored; every job builds its layers anew.';
}

const defaultCircleciCommand = () => [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--inspect')), process.argv[1]];

async function runOne(step: StepPlan, ctx: StepContext): Promise<StepOutcome> {
  if (step.type === 'run' && step.command === '' && step.name === 'Spin up environment') {
    if (ctx.executor instanceof DockerExecutor) {
      const started = await ctx.executor.setUp((d) => ctx.log.write(d)).then(
        () => true,
        (e: Error) => (ctx.log.note(`Error: ${e.message}`), false),
      );
      return started ? { status: 'success', exitCode: 0 } : { status: 'failed', exitCode: null };
    }
    ctx.log.note(`Running on the host: Docker image ${ctx.spec.plan.executor.images[0]?.image ?? 'unknown'} is not used (no Docker engine is reachable).`);
    return { status: 'success', exitCode: 0 };
  }
  const reruns = step.type === 'run' ? (step.maxAutoReruns ?? 0) : 0;
  for (let attempt = 0; ; attempt++) {
    const outcome = await stepHandlers[step.type](step, ctx).catch((e: Error) => {
      ctx.log.note(e instanceof StepError ? `Error: ${e.message}` : `Error: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
      return { status: 'failed' as const, exitCode: null };
    });
    if (outcome.status !== 'failed' || attempt >= reruns || ctx.signal.aborted) return outcome;
    const delay = step.type === 'run' ? (step.autoRerunDelaySeconds ?? 0) : 0;
    ctx.log.note(`Step failed; automatically rerunning it${delay ? ` in ${delay}s` : ''} (rerun ${attempt + 1} of ${reruns}).`);
    if (delay) await new Promise((r) => setTimeout(r, delay * 1000));
  }
}

/**
 * Runs one task: fetch the spec, start, run each step (streaming masked output), report steps and liveness in
 * batches (honouring cancel), and complete with the task's status. Never throws for step failures; throws
 * only when the control plane cannot be reached at all.
 */
export async function runTask(options: RunTaskOptions): Promise<JobStatus> {
  const { client } = options;
  const spec: JobSpec = await client.accept();
  const root = join(options.workRoot, `${spec.job.id}-${spec.task.index}-${spec.task.attempt}-${process.pid}`);
  const home = join(root, 'home');
  const scripts = join(root, 'scripts');
  const bin = join(root, 'bin');
  const taskData = join(root, 'task-data');
  const scratch = join(root, 'scratch');
  for (const d of [home, scripts, bin, taskData, scratch]) mkdirSync(d, { recursive: true });
  const config: TaskDataConfig = { url: client.baseUrl, token: client.token };
  writeFileSync(join(taskData, TASK_CONFIG_FILE), JSON.stringify(config), { mode: 0o600 });
  const workingDirectory = spec.plan.workingDirectory.replace(/^~(?=\/|$)/, home);
  mkdirSync(workingDirectory, { recursive: true });
  const bashEnv = join(root, 'bash_env');
  writeFileSync(bashEnv, '');
  // Precedence (CircleCI): shell > step > job > built-in > context > project; the spec merges the last three.
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    LANG: process.env.LANG ?? 'C.UTF-8',
    HOME: home,
    USER: process.env.USER ?? 'circleci',
    SHELL: '/bin/bash',
    BASH_ENV: bashEnv,
    // The primary image's `environment` (its container's own, as a docker container would have it; below the
    // project's, contexts' and job's variables, which CircleCI adds at each step).
    ...(spec.plan.executor.type === 'docker' ? spec.plan.executor.images[0]?.environment : undefined),
    ...spec.environment,
    CIRCLE_WORKING_DIRECTORY: spec.plan.workingDirectory,
    CIRCLE_INTERNAL_TASK_DATA: taskData,
    ...spec.plan.environment,
  };
  // A docker job uses the local Docker engine when one answers; otherwise it runs on the host (said in its first line).
  const dockerJob = spec.plan.executor.type === 'docker';
  const executor =
    options.executorFactory?.(scripts) ??
    // DOCKER_HOST names the engine chosen for this agent (`slipway dev` sets it): a slow answer of a busy engine
    // must not send a docker job to the host; only without it is an engine looked for.
    (dockerJob && (process.env.DOCKER_HOST || dockerEngineReachable({ ...process.env }))
      ? new DockerExecutor(scripts, {
          taskId: `${spec.job.id.slice(0, 8)}-${spec.task.index}-${spec.task.attempt}-${process.pid}`,
          images: spec.plan.executor.images,
          mount: root,
          workingDirectory,
          remoteDockerSocket: spec.plan.steps.some((s) => s.type === 'setup_remote_docker') ? engineSocket(process.env.DOCKER_HOST) : undefined,
        })
      : new HostExecutor(scripts));
  // On the host, a script calling back into this agent; in a container, the sh client this agent answers.
  const inJobCommand = installCircleciCommand(executor, { taskRoot: root, bin, taskData, agentCommand: options.circleciCommand ?? defaultCircleciCommand(), timings: async () => (await client.timings()).tests, oidcToken: (claims) => client.oidcToken(claims) });
  const masker = new SecretMasker(spec.secrets);
  const abort = new AbortController();
  // While someone watches the job (replies say `live`), the current and later steps' output goes up every ~2 s.
  const watching = { live: false, log: undefined as StepLogStream | undefined };
  const onLive = (live: boolean) => {
    watching.live = live;
    watching.log?.setLive(live);
  };
  const reporter = new StepReporter(client, { heartbeatMs: spec.heartbeatSeconds * 1000, delayMs: options.reportDelayMs ?? 2000, onCancel: () => abort.abort(), onLive });
  const sink = new PresignedLogSink((step, from, count) => reporter.logUrls(step, from, count));
  const testResults: TestCaseResult[] = [];
  let status: JobStatus = 'success';
  // Small steps' output travels in their reports and is kept on the job item: this task's share of that room.
  let inlineBudget = inlineOutputBudget(spec.task.total);

  const steps: StepPlan[] = [...spec.plan.steps];
  if (dockerJob && (executor.name === 'host' || executor.name === 'docker')) {
    steps.unshift({ type: 'run', name: 'Spin up environment', command: '', environment: {}, background: false, noOutputTimeoutSeconds: 600, when: 'always' });
  }
  // Rerun with SSH: sessions get a shell in this environment and working directory, where the steps run.
  const ssh = spec.ssh ? new SshSteps(spec.ssh, env, workingDirectory, executor, spec.job, (e) => void client.sshSession(e).catch(() => undefined)) : undefined;
  if (ssh) {
    steps.splice(steps[0]?.name === 'Spin up environment' ? 1 : 0, 0, ssh.enableStep);
    steps.push(ssh.waitStep);
  }
  const layerCaching = layerCachingNote(spec.plan, executor.name);
  try {
    let failed = false;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (abort.signal.aborted || existsSync(join(taskData, HALT_FILE)) || !shouldRun(step, failed)) continue;
      const report: StepReport = { index: i, name: step.name, type: step.type, status: 'running', startedAt: new Date().toISOString() };
      reporter.update(report);
      const log = new StepLogStream(i, sink, masker, { ...options.log, inlineMaxBytes: Math.min(options.log?.inlineMaxBytes ?? DEFAULT_LOG_POLICY.inlineMaxBytes, inlineBudget) });
      log.setLive(watching.live);
      watching.log = log;
      if (i === 0 && layerCaching) log.note(layerCaching);
      let outcome = ssh?.handles(step) ? await ssh.run(step, log, abort.signal) : await runOne(step, { spec, executor, env, home, workingDirectory, log, signal: abort.signal, client, scratch, testResults });
      // What the agent itself wrote (checkout, caches, workspaces) belongs to the user the container's steps run as.
      if (step.type !== 'run' && executor instanceof DockerExecutor) executor.handOver();
      try {
        await log.close();
      } catch (e) {
        outcome = { status: 'failed', exitCode: null };
        report.name = `${step.name} (output upload failed: ${(e as Error).message})`;
      }
      if (log.inline !== undefined) inlineBudget -= Buffer.byteLength(log.inline, 'utf8');
      reporter.update(Object.assign(report, { status: outcome.status, exitCode: outcome.exitCode ?? null, stoppedAt: new Date().toISOString(), outputBytes: log.bytes, ...(log.inline !== undefined && { output: log.inline }) }));
      if (outcome.status !== 'success') {
        failed = true;
        if (status === 'success') status = outcome.status;
      }
    }
    if (abort.signal.aborted) status = 'canceled';
  } finally {
    reporter.stop();
    await ssh?.close();
    await inJobCommand.stop();
    await executor.shutdown();
  }
  await client.complete(status, reporter.all());
  rmSync(root, { recursive: true, force: true });
  return status;
}
