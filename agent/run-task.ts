import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StepPlan } from '../shared/config/plan';
import { inlineOutputBudget, type JobSpec, type StepReport, type TestCaseResult } from '../shared/model/job-spec';
import type { JobStatus } from '../shared/model/statuses';
import { HALT_FILE } from './circleci-command';
import { installCircleciCommand } from './circleci-server';
import type { ControlPlaneClient } from './client';
import { DockerExecutor } from './executors/docker';
import type { StepExecutor } from './executors/executor';
import { DEFAULT_LOG_POLICY, PresignedLogSink, StepLogStream, type LogPolicy } from './log-stream';
import { SecretMasker } from './mask';
import { SshSteps } from './ssh-steps';
import { StepReporter } from './step-reporter';
import { StepError, failureReasonOf, type StepContext, type StepOutcome } from './steps/context';
import { stepHandlers } from './steps';
import { spinUpEnvironment, spinUpEnvironmentStep, type SpinUpEnvironmentStep } from './steps/spin-up';
import { chooseExecutor, createTaskFolders, taskEnvironment, taskRootOf, type TaskFolders } from './task-setup';

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
  /** Aborted when the agent is asked to stop (SIGTERM): the task ends as canceled, after removing what it started. */
  stop?: AbortSignal;
}

/** A step the agent runs: one of the job's config steps, or one the agent adds (spin up, SSH). */
export type AgentStep = StepPlan | SpinUpEnvironmentStep;

/** Steps that run after a failure unless told otherwise (CircleCI keeps artifacts and test results of failed jobs). */
const KEEP_AFTER_FAILURE: ReadonlySet<string> = new Set(['store_artifacts', 'store_test_results']);

function shouldRun(step: AgentStep, failed: boolean): boolean {
  if (step.when === 'always') return true;
  if (step.when === 'on_fail') return failed;
  return !failed || KEEP_AFTER_FAILURE.has(step.type);
}

/**
 * What `docker_layer_caching: true` (executor or `setup_remote_docker`) becomes, said in the job's first step:
 * with the docker executor on a local engine, the engine's own build cache, which persists between jobs, except
 * in the job's own remote engine (`ownEngine`), which starts empty and is removed with the job; on other
 * executors (Fargate, ephemeral EC2 machines) it is not available and ignored.
 */
export function layerCachingNote(plan: JobSpec['plan'], executorName: string, ownEngine = false): string | undefined {
  const remote = plan.steps.some((s) => s.type === 'setup_remote_docker' && s.dockerLayerCaching);
  if (!plan.executor.dockerLayerCaching && !remote) return undefined;
  if (executorName !== 'docker') return 'Warning: docker_layer_caching is not available on this executor and is ignored; every job builds its layers anew.';
  if (remote && ownEngine)
    return "Warning: docker_layer_caching is not kept for setup_remote_docker here: the job's own engine starts empty and is removed when the job ends.";
  return 'docker_layer_caching: layers are cached by the local container engine, which keeps them between jobs.';
}

const defaultCircleciCommand = () => [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--inspect')), process.argv[1]];

/** Runs one config step (with its automatic reruns); a step error fails it, any other error is the infrastructure's. */
async function runConfigStep(step: StepPlan, ctx: StepContext): Promise<StepOutcome> {
  const reruns = step.type === 'run' ? (step.maxAutoReruns ?? 0) : 0;
  for (let attempt = 0; ; attempt++) {
    const outcome = await stepHandlers[step.type](step, ctx).catch((e: Error): StepOutcome => {
      if (e instanceof StepError) return (ctx.log.note(`Error: ${e.message}`), { status: 'failed', exitCode: null });
      ctx.log.note(`Error: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
      return { status: 'failed', exitCode: null, reason: 'infrastructure' };
    });
    if (outcome.status !== 'failed' || attempt >= reruns || ctx.signal.aborted) return outcome;
    const delay = step.type === 'run' ? (step.autoRerunDelaySeconds ?? 0) : 0;
    ctx.log.note(`Step failed; automatically rerunning it${delay ? ` in ${delay}s` : ''} (rerun ${attempt + 1} of ${reruns}).`);
    if (delay) await new Promise((r) => setTimeout(r, delay * 1000));
  }
}

/** Everything one task needs while its steps run; built by `prepareTask`, torn down by `stopTask`. */
interface Task {
  spec: JobSpec;
  options: RunTaskOptions;
  folders: TaskFolders;
  env: Record<string, string>;
  executor: StepExecutor;
  inJobCommand: { stop(): Promise<void> };
  masker: SecretMasker;
  abort: AbortController;
  /** While someone watches the job (replies say `live`), the current and later steps' output goes up every ~2 s. */
  watching: { live: boolean; log?: StepLogStream };
  reporter: StepReporter;
  sink: PresignedLogSink;
  testResults: TestCaseResult[];
  /** Small steps' output travels in their reports and is kept on the job item: this task's share of that room. */
  inlineBudget: number;
  steps: AgentStep[];
  ssh?: SshSteps;
  layerCaching?: string;
}

/** The steps in the order they run: spin up first (docker jobs), then SSH's, the job's own, and SSH's wait. */
function stepsOf(spec: JobSpec, executor: StepExecutor, ssh: SshSteps | undefined): AgentStep[] {
  const steps: AgentStep[] = [...spec.plan.steps];
  const spinUp = spec.plan.executor.type === 'docker' && (executor.name === 'host' || executor.name === 'docker');
  if (ssh) steps.unshift(ssh.enableStep);
  if (spinUp) steps.unshift(spinUpEnvironment());
  if (ssh) steps.push(ssh.waitStep);
  return steps;
}

/** Prepare: the task's folders and environment, its executor, the in-job command, the reporter. */
function prepareTask(spec: JobSpec, root: string, options: RunTaskOptions): Task {
  const { client } = options;
  const folders = createTaskFolders(root, spec, client);
  const env = taskEnvironment(spec, folders);
  const executor = chooseExecutor(spec, folders, options.executorFactory);
  // On the host, a script calling back into this agent; in a container, the sh client this agent answers.
  const inJobCommand = installCircleciCommand(executor, {
    taskRoot: root,
    bin: folders.bin,
    taskData: folders.taskData,
    agentCommand: options.circleciCommand ?? defaultCircleciCommand(),
    timings: async () => (await client.timings()).tests,
    oidcToken: (claims) => client.oidcToken(claims),
  });
  // Rerun with SSH: sessions get a shell in this environment and working directory, where the steps run.
  const ssh = spec.ssh
    ? new SshSteps(spec.ssh, env, folders.workingDirectory, executor, spec.job, (e) => void client.sshSession(e).catch(() => undefined))
    : undefined;
  const abort = new AbortController();
  if (options.stop?.aborted) abort.abort();
  else options.stop?.addEventListener('abort', () => abort.abort(), { once: true });
  const watching: Task['watching'] = { live: false };
  const onLive = (live: boolean) => {
    watching.live = live;
    watching.log?.setLive(live);
  };
  const reporter = new StepReporter(client, {
    heartbeatMs: spec.heartbeatSeconds * 1000,
    delayMs: options.reportDelayMs ?? 2000,
    onCancel: () => abort.abort(),
    onLive,
    // Fargate: an ECS Exec session the control plane saw open counts as an SSH session in the idle wait.
    onSshActive: () => ssh?.sessionSeenElsewhere(),
  });
  const sink = new PresignedLogSink((step, from, count) => reporter.logUrls(step, from, count));
  const task = {
    spec,
    options,
    folders,
    env,
    executor,
    inJobCommand,
    masker: new SecretMasker(spec.secrets),
    abort,
    watching,
    reporter,
    sink,
    testResults: [],
  };
  return {
    ...task,
    inlineBudget: inlineOutputBudget(spec.task.total),
    steps: stepsOf(spec, executor, ssh),
    ssh,
    layerCaching: layerCachingNote(spec.plan, executor.name, (executor as { remoteEngine?: unknown }).remoteEngine !== undefined),
  };
}

/**
 * While nobody watches, a step's first output travels as a preview in the report that fetches its log URLs (one
 * request), not as an S3 object of its own; its room for inline output is held meanwhile. Resolves the function
 * that gives that room back when the step ends.
 */
export function previewFirstOutput(
  log: StepLogStream,
  report: StepReport,
  task: { reporter: StepReporter; sink: PresignedLogSink; inlineBudget: number },
): () => void {
  let held = 0;
  log.onPreview = (text) => {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > task.inlineBudget) return false;
    held = bytes;
    task.inlineBudget -= bytes;
    task.reporter.update({ ...report, output: text });
    task.sink.prefetch(report.index, 0).catch(() => undefined);
    return true;
  };
  return () => {
    task.inlineBudget += held;
    held = 0;
  };
}

/** Runs one step with its own log stream and reports it; a failed output upload fails it as the infrastructure's. */
async function runReportedStep(task: Task, step: AgentStep, index: number): Promise<StepOutcome> {
  const { options, folders } = task;
  const report: StepReport = { index, name: step.name, type: step.type, status: 'running', startedAt: new Date().toISOString() };
  task.reporter.update(report);
  const log = new StepLogStream(index, task.sink, task.masker, {
    ...options.log,
    inlineMaxBytes: Math.min(options.log?.inlineMaxBytes ?? DEFAULT_LOG_POLICY.inlineMaxBytes, task.inlineBudget),
  });
  const releasePreview = previewFirstOutput(log, report, task);
  log.setLive(task.watching.live);
  task.watching.log = log;
  if (index === 0 && task.layerCaching) log.note(task.layerCaching);
  const ctx: StepContext = {
    spec: task.spec,
    executor: task.executor,
    env: task.env,
    home: folders.home,
    workingDirectory: folders.workingDirectory,
    log,
    signal: task.abort.signal,
    client: options.client,
    scratch: folders.scratch,
    testResults: task.testResults,
  };
  let outcome: StepOutcome =
    step.type === 'spin_up_environment'
      ? await spinUpEnvironmentStep(step, ctx)
      : task.ssh?.handles(step)
        ? await task.ssh.run(step, log, task.abort.signal)
        : await runConfigStep(step, ctx);
  // What the agent itself wrote (checkout, caches, workspaces) belongs to the user the container's steps run as.
  if (step.type !== 'run' && task.executor instanceof DockerExecutor) task.executor.handOver();
  try {
    await log.close();
  } catch (e) {
    outcome = { status: 'failed', exitCode: null, reason: 'infrastructure' };
    report.name = `${step.name} (output upload failed: ${(e as Error).message})`;
  }
  releasePreview();
  if (log.inline !== undefined) task.inlineBudget -= Buffer.byteLength(log.inline, 'utf8');
  const failureReason = failureReasonOf(outcome);
  const ended = {
    status: outcome.status,
    exitCode: outcome.exitCode ?? null,
    stoppedAt: new Date().toISOString(),
    outputBytes: log.bytes,
    ...(failureReason && { failureReason }),
    ...(outcome.restoredCache !== undefined && { restoredCache: outcome.restoredCache }),
  };
  task.reporter.update(Object.assign(report, ended, log.inline !== undefined ? { output: log.inline } : {}));
  return outcome;
}

/** Run steps: each in turn (after a failure only those that run anyway), until the end, a halt or a cancel. */
async function runSteps(task: Task): Promise<JobStatus> {
  let status: JobStatus = 'success';
  let failed = false;
  for (const [i, step] of task.steps.entries()) {
    if (task.abort.signal.aborted || existsSync(join(task.folders.taskData, HALT_FILE)) || !shouldRun(step, failed)) continue;
    const outcome = await runReportedStep(task, step, i);
    if (outcome.status !== 'success') {
      failed = true;
      if (status === 'success') status = outcome.status;
    }
  }
  return task.abort.signal.aborted ? 'canceled' : status;
}

/** Stops what the task started: reports, SSH, the in-job command, the executor's containers and background steps. */
async function stopTask(task: Task): Promise<void> {
  task.reporter.stop();
  await task.ssh?.close();
  await task.inJobCommand.stop();
  await task.executor.shutdown();
}

/**
 * Runs one task: fetch the spec; prepare; run each step (streaming masked output), reporting steps and liveness
 * in batches (honouring cancel); finish: stop what ran, complete with the task's status, and remove the task's
 * folder whatever happened. Never throws for step failures; throws only when the control plane cannot be reached
 * at all (or refuses the completion).
 */
export async function runTask(options: RunTaskOptions): Promise<JobStatus> {
  const spec: JobSpec = await options.client.accept();
  const root = taskRootOf(options.workRoot, spec);
  try {
    const task = prepareTask(spec, root, options);
    let status: JobStatus;
    try {
      status = await runSteps(task);
    } finally {
      await stopTask(task);
    }
    await options.client.complete(status, task.reporter.all());
    return status;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
