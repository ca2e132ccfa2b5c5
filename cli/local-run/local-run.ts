import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { PlanEvent } from '../../shared/config/explain-plan';
import { ConflictError } from '../../shared/model/errors';
import type { PipelineSelection, Project } from '../../shared/model/entities';
import { sendWorkflowEvent } from '../../shared/services/workflows/workflow-events';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import { putEnvVar } from '../../shared/services/projects/env-vars';
import { listJobArtifacts, listJobTests } from '../../shared/services/jobs/job-blobs';
import { readStepOutput } from '../../shared/services/jobs/job-output';
import { triggerPipeline } from '../../shared/services/pipelines/pipelines';
import { settingsOf } from '../../shared/services/projects/project-settings';
import { addProject } from '../../shared/services/projects/projects';
import { startLocalRuntime } from '../../local/runtime';
import { applySecrets, contextsNamed } from './apply-secrets';
import { seedReplay, type ReplaySeed } from './replay-seed';
import type { SecretsLoader } from './secrets';
import { snapshotWorkingTree } from './snapshot';
import type { JobSummary, RunSummary, RunView } from './view';
import { readProgress, succeeded, type JobProgress, type RunProgress } from './watch';

export interface LocalRunOptions {
  /** A folder inside the git working tree to run. */
  dir: string;
  /** Keep the runtime's state (history, caches) here; default: a new temporary folder. */
  dataDir?: string;
  event: PlanEvent;
  /** The config is this folder of the repository, packed (the project's `config_folder` setting). */
  configFolder?: string;
  selection?: PipelineSelection;
  /** Project environment variables for the run. */
  env: Record<string, string>;
  /** `all`: approve every approval job; `prompt`: ask; `none`: cancel the workflow at the first approval. */
  approve: 'all' | 'prompt' | 'none';
  ask?: (question: string) => Promise<boolean>;
  view: RunView;
  /** Secrets for the run (project and context variables, masked in job output). */
  secrets?: SecretsLoader;
  /** Replays: run only the selected job, with the workspace and caches it had on its server (fetched first). */
  replay?: ReplaySeed;
  /** Milliseconds between store reads (default 200). */
  pollMs?: number;
}

const LOCAL_ACTOR = 'slipway-run';
/** How long stopping waits for queue handlers in flight (a local run has nothing worth waiting longer for). */
const STOP_GRACE_MS = 2000;

/**
 * Runs the working tree's config end to end on an embedded runtime: the same pipelines consumer (config at the
 * snapshot commit, compiled as the server compiles it), conductor, dispatcher and agent as `slipway dev`.
 * Resolves the run's summary; the runtime is stopped before it returns.
 */
export async function runLocally(options: LocalRunOptions): Promise<RunSummary> {
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'slipway-run-')));
  mkdirSync(dataDir, { recursive: true });
  const snapshot = snapshotWorkingTree(options.dir, dataDir, { branch: options.event.branch, tag: options.event.tag });
  const view = options.view;
  view.note(
    `Running ${snapshot.dirty ? `the working tree (uncommitted changes on ${snapshot.head?.slice(0, 12) ?? 'no commit'}, snapshot ${snapshot.revision.slice(0, 12)})` : `commit ${snapshot.revision.slice(0, 12)}`} of ${snapshot.root}; data in ${dataDir}`,
  );
  const runtime = await startLocalRuntime({ port: 0, dataDir, log: (l) => view.note(l), cronIntervalSeconds: 10, shutdownGraceMs: STOP_GRACE_MS });
  // Ctrl-C: stop the runtime (emulators, the data folder's lock) before leaving; a backstop or a second Ctrl-C exits at once.
  const interrupt = () => {
    view.note('Interrupted: stopping the local runtime (Ctrl-C again to leave at once).');
    process.once('SIGINT', () => process.exit(130));
    setTimeout(() => process.exit(130), STOP_GRACE_MS + 2000);
    void runtime.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  try {
    const deps = await runtime.getDeps();
    const project = await ensureProject(deps, `gh/local/${snapshot.name}`, snapshot.url, options.event.branch ?? 'main', options.configFolder);
    for (const [name, value] of Object.entries(options.env)) await putEnvVar(deps, project.slug, name, value);
    if (options.secrets) await applySecrets(deps, project, await options.secrets(() => contextsNamed(deps, project, snapshot.revision, options.event)), view);
    const selection = options.replay ? { ...options.selection, replayWorkspace: await seedReplay(deps, project, options.replay, view) } : options.selection;
    const pushed = options.event.event !== 'api';
    const pipeline = await triggerPipeline(deps, project, {
      branch: options.event.tag ? undefined : options.event.branch,
      tag: options.event.tag,
      revision: snapshot.revision,
      parameters: options.event.parameters,
      trigger: { type: pushed ? 'webhook' : 'api', actor: { login: LOCAL_ACTOR, avatarUrl: null } },
      ...(selection ? { selection } : {}),
    });
    const reported = new Set<string>();
    const progress = await follow(deps, pipeline.id, options, reported);
    const jobs = await summarise(deps, progress, dataDir, view, reported);
    const summary: RunSummary = {
      pipeline: { id: pipeline.id, number: pipeline.number, state: progress.pipeline.state, errors: progress.pipeline.errors.map((e) => e.message) },
      revision: snapshot.revision,
      dirty: snapshot.dirty,
      dataDir,
      workflows: progress.workflows.map((w) => ({ name: w.name, status: w.status })),
      jobs,
      exitCode: succeeded(progress) && progress.workflows.length > 0 ? 0 : 1,
    };
    return summary;
  } finally {
    process.off('SIGINT', interrupt);
    await runtime.stop();
  }
}

/** The run's project (created once per data folder), reading its config from `configFolder` when given. */
async function ensureProject(deps: ControlPlaneDeps, slug: string, repoUrl: string, defaultBranch: string, configFolder?: string): Promise<Project> {
  let project: Project | undefined;
  try {
    project = await addProject(deps, { slug, repoUrl, defaultBranch });
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
    project = await deps.projects.getProject(slug);
    if (!project) throw e;
  }
  const { configFolder: _previous, ...rest } = settingsOf(project);
  const settings = { ...rest, ...(configFolder ? { configFolder } : {}) } as Project['settings'];
  if ((settingsOf(project).configFolder ?? undefined) === configFolder) return project;
  return (await deps.projects.updateSettings(slug, settings)) ?? project;
}

/** Polls the store until the pipeline is over, answering approvals and reporting failed jobs as they end. */
async function follow(deps: ControlPlaneDeps, pipelineId: string, options: LocalRunOptions, reported: Set<string>): Promise<RunProgress> {
  const answered = new Set<string>();
  for (;;) {
    const progress = await readProgress(deps, pipelineId);
    options.view.update(progress);
    for (const j of progress.jobs.filter((x) => FAILED.has(x.status) && !reported.has(x.id))) {
      reported.add(j.id);
      const failed = await failedSteps(deps, j);
      if (failed.length) options.view.failed({ workflow: j.workflow, job: j.name, status: j.status, steps: [], failedSteps: failed });
    }
    if (progress.done) return progress;
    for (const j of progress.jobs.filter((x) => x.type === 'approval' && x.status === 'on_hold' && !answered.has(x.id))) {
      answered.add(j.id);
      await answerApproval(deps, j, options);
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
  }
}

async function answerApproval(deps: ControlPlaneDeps, job: JobProgress, options: LocalRunOptions): Promise<void> {
  const ok =
    options.approve === 'all' || (options.approve === 'prompt' && options.ask ? await options.ask(`Approve ${job.workflow}/${job.name}? [y/N] `) : false);
  if (ok) {
    options.view.note(`Approved ${job.workflow}/${job.name}.`);
    await sendWorkflowEvent(deps, job.workflowId, { type: 'JobApproved', jobId: job.id, by: LOCAL_ACTOR });
  } else {
    options.view.note(
      `Not approved: ${job.workflow}/${job.name}; canceling workflow ${job.workflow}.${options.approve === 'none' ? ' Run with --approve all to approve every approval job.' : ''}`,
    );
    await sendWorkflowEvent(deps, job.workflowId, { type: 'WorkflowCancelRequested', by: LOCAL_ACTOR });
  }
}

const FAILED = new Set(['failed', 'infrastructure_fail', 'timedout']);

/** The output of a job's failed steps, in full. */
async function failedSteps(deps: ControlPlaneDeps, j: JobProgress): Promise<JobSummary['failedSteps']> {
  const job = await deps.pipelines.getJob(j.workflowId, j.id);
  const out: JobSummary['failedSteps'] = [];
  for (const task of job?.tasks ?? []) {
    for (const step of task.steps) {
      if (!step.actions.some((a) => a.status === 'failed' || a.status === 'timedout')) continue;
      const output = (await readStepOutput(deps, job as NonNullable<typeof job>, task.index, step.index)).map((m) => m.message).join('');
      out.push({ name: step.name, task: task.index, output });
    }
  }
  return out;
}

/** Per job: status, duration, steps, failed steps' output, and artifacts and test results saved under the data folder. */
async function summarise(deps: ControlPlaneDeps, progress: RunProgress, dataDir: string, view: RunView, reported: Set<string>): Promise<JobSummary[]> {
  const out: JobSummary[] = [];
  for (const j of progress.jobs) {
    const job = await deps.pipelines.getJob(j.workflowId, j.id);
    if (!job) continue;
    const summary: JobSummary = { workflow: j.workflow, job: j.name, status: job.status, steps: [], failedSteps: [] };
    if (job.startedAt) summary.durationSeconds = (Date.parse(job.stoppedAt ?? job.startedAt) - Date.parse(job.startedAt)) / 1000;
    for (const task of job.tasks)
      for (const step of task.steps) summary.steps.push({ name: step.name, task: task.index, status: step.actions[0]?.status ?? 'unknown' });
    summary.failedSteps = await failedSteps(deps, j);
    const folder = join(dataDir, 'jobs', `${j.workflow}-${j.name}`.replace(/[^A-Za-z0-9._-]/g, '_'));
    const artifacts = await listJobArtifacts(deps, job);
    for (const a of artifacts.items) {
      const key = `${a.node_index}/${a.path}`;
      const body = await fetch(a.url).then((r) => (r.ok ? r.arrayBuffer() : undefined));
      if (!body) continue;
      const file = join(folder, 'artifacts', key);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(body));
      summary.artifacts = join(folder, 'artifacts');
    }
    const tests = await listJobTests(deps, job);
    if (tests.items.length) {
      summary.testResults = join(folder, 'tests.json');
      mkdirSync(folder, { recursive: true });
      writeFileSync(summary.testResults, JSON.stringify(tests.items, null, 2));
    }
    if (summary.failedSteps.length && !reported.has(j.id)) view.failed(summary);
    out.push(summary);
  }
  return out;
}
