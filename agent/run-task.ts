import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepPlan } from '../shared/config/plan';
import type { JobSpec, StepReport } from '../shared/model/job-spec';
import type { JobStatus } from '../shared/model/statuses';
import type { ControlPlaneClient } from './client';
import type { StepExecutor } from './executors/executor';
import { HostExecutor } from './executors/host';
import { PresignedLogSink, StepLogStream } from './log-stream';
import { SecretMasker } from './mask';
import type { StepContext, StepOutcome } from './steps/context';
import { stepHandlers } from './steps';

export interface RunTaskOptions {
  client: ControlPlaneClient;
  /** Folder under which this task gets its own HOME and working directory (removed at the end). */
  workRoot: string;
  /** Log upload chunking (tests use small values). */
  log?: { maxChunkBytes: number; flushIntervalMs: number };
  executorFactory?: (scriptDir: string) => StepExecutor;
}

function shouldRun(step: StepPlan, failed: boolean): boolean {
  if (step.when === 'always') return true;
  if (step.when === 'on_fail') return failed;
  return !failed;
}

/**
 * Runs one task: fetch the spec, start, run each step (streaming masked output), heartbeat (honouring
 * cancel), and complete with the task's status. Never throws for step failures; throws only when the
 * control plane cannot be reached at all.
 */
export async function runTask(options: RunTaskOptions): Promise<JobStatus> {
  const { client } = options;
  const spec: JobSpec = await client.fetchSpec();
  await client.start();
  const root = join(options.workRoot, `${spec.job.id}-${spec.task.index}-${spec.task.attempt}-${process.pid}`);
  const home = join(root, 'home');
  const scripts = join(root, 'scripts');
  mkdirSync(home, { recursive: true });
  mkdirSync(scripts, { recursive: true });
  const workingDirectory = spec.plan.workingDirectory.replace(/^~(?=\/|$)/, home);
  mkdirSync(workingDirectory, { recursive: true });
  const bashEnv = join(root, 'bash_env');
  writeFileSync(bashEnv, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    HOME: home,
    USER: process.env.USER ?? 'circleci',
    SHELL: '/bin/bash',
    BASH_ENV: bashEnv,
    ...spec.environment,
    CIRCLE_WORKING_DIRECTORY: spec.plan.workingDirectory,
    ...spec.plan.environment,
  };
  const executor = options.executorFactory?.(scripts) ?? new HostExecutor(scripts);
  const masker = new SecretMasker(spec.secrets);
  const sink = new PresignedLogSink((step, from, count) => client.logUrls(step, from, count));
  const abort = new AbortController();
  const reports: StepReport[] = [];
  let status: JobStatus = 'success';

  const beat = setInterval(() => {
    client
      .heartbeat()
      .then((r) => r.cancel && abort.abort())
      .catch(() => undefined);
  }, spec.heartbeatSeconds * 1000);

  const steps: StepPlan[] = [...spec.plan.steps];
  if (spec.plan.executor.type === 'docker' && executor.name === 'host') {
    steps.unshift({ type: 'run', name: 'Spin up environment', command: '', environment: {}, background: false, noOutputTimeoutSeconds: 600, when: 'always' });
  }
  try {
    let failed = false;
    let halted = false;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (halted || abort.signal.aborted || !shouldRun(step, failed)) continue;
      const report: StepReport = { index: i, name: step.name, type: step.type, status: 'running', startedAt: new Date().toISOString() };
      reports.push(report);
      const r = await client.steps(reports).catch(() => ({ cancel: false }));
      if (r.cancel) abort.abort();
      const log = new StepLogStream(i, sink, masker, options.log);
      const ctx: StepContext = { spec, executor, env, home, workingDirectory, log, signal: abort.signal };
      let outcome: StepOutcome;
      if (i === 0 && step.name === 'Spin up environment' && step.type === 'run' && step.command === '') {
        const image = spec.plan.executor.images[0]?.image ?? 'unknown';
        log.note(`Running on the host: Docker image ${image} is not used (no Docker engine is reachable).`);
        outcome = { status: 'success', exitCode: 0 };
      } else {
        const handler = stepHandlers[step.type];
        outcome = handler
          ? await handler(step, ctx).catch((e: Error) => {
              log.note(`Error: ${e.message}`);
              return { status: 'failed' as const, exitCode: null };
            })
          : (log.note(`The ${step.type} step is not supported by this agent.`), { status: 'failed' as const, exitCode: null });
      }
      try {
        await log.close();
      } catch (e) {
        outcome = { status: 'failed', exitCode: null };
        report.name = `${step.name} (output upload failed: ${(e as Error).message})`;
      }
      Object.assign(report, { status: outcome.status, exitCode: outcome.exitCode ?? null, stoppedAt: new Date().toISOString(), outputBytes: log.bytes });
      if (outcome.halt) halted = true;
      if (outcome.status !== 'success') {
        failed = true;
        if (status === 'success') status = outcome.status === 'canceled' ? 'canceled' : outcome.status === 'timedout' ? 'timedout' : 'failed';
      }
      await client.steps(reports).catch(() => undefined);
    }
    if (abort.signal.aborted) status = 'canceled';
  } finally {
    clearInterval(beat);
    await executor.shutdown();
  }
  await client.complete(status, reports);
  rmSync(root, { recursive: true, force: true });
  return status;
}
