/**
 * The compiled plan: what a CircleCI config means once every orb, command, executor, parameter, matrix and
 * condition has been resolved. The control plane creates workflows and jobs from it; the agent runs its steps.
 * It is plain JSON (stored with the pipeline and handed to the agent in the job spec).
 */

/** Where a node came from in the source config (1-based line and column). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** A job status that a `requires` entry can wait for (CircleCI status-based requires). */
export type RequiredStatus = 'success' | 'failed' | 'canceled' | 'not_run' | 'unauthorized' | 'timedout' | 'infrastructure_fail';

export type StepWhen = 'on_success' | 'on_fail' | 'always';

interface StepBase {
  /** Display name, as CircleCI shows it (e.g. `Checkout code`, the run command's first line). */
  name: string;
  when: StepWhen;
  position?: SourcePosition;
}

export interface RunStep extends StepBase {
  type: 'run';
  command: string;
  shell?: string;
  environment: Record<string, string>;
  workingDirectory?: string;
  background: boolean;
  /** Seconds without output before the step is ended as timed out (CircleCI default 10m). */
  noOutputTimeoutSeconds: number;
  maxAutoReruns?: number;
  autoRerunDelaySeconds?: number;
}
export interface CheckoutStep extends StepBase {
  type: 'checkout';
  path?: string;
  method?: 'full' | 'blobless';
}
export interface SaveCacheStep extends StepBase {
  type: 'save_cache';
  key: string;
  paths: string[];
}
export interface RestoreCacheStep extends StepBase {
  type: 'restore_cache';
  keys: string[];
}
export interface PersistToWorkspaceStep extends StepBase {
  type: 'persist_to_workspace';
  root: string;
  paths: string[];
}
export interface AttachWorkspaceStep extends StepBase {
  type: 'attach_workspace';
  at: string;
}
export interface StoreArtifactsStep extends StepBase {
  type: 'store_artifacts';
  path: string;
  destination?: string;
}
export interface StoreTestResultsStep extends StepBase {
  type: 'store_test_results';
  path: string;
}
export interface AddSshKeysStep extends StepBase {
  type: 'add_ssh_keys';
  fingerprints: string[];
}
export interface SetupRemoteDockerStep extends StepBase {
  type: 'setup_remote_docker';
  version?: string;
  dockerLayerCaching?: boolean;
}

export type StepPlan =
  | RunStep
  | CheckoutStep
  | SaveCacheStep
  | RestoreCacheStep
  | PersistToWorkspaceStep
  | AttachWorkspaceStep
  | StoreArtifactsStep
  | StoreTestResultsStep
  | AddSshKeysStep
  | SetupRemoteDockerStep;

export interface DockerImage {
  image: string;
  name?: string;
  entrypoint?: string[];
  command?: string[];
  user?: string;
  environment: Record<string, string>;
  auth?: { username: string; password: string };
  awsAuth?: Record<string, string>;
  /** Set by the control plane when the image's `auth`/`aws_auth` could not be turned into a registry login (why). */
  authError?: string;
  /** Set by the dispatcher for Fargate: the reference (secret ARN) of the stored `auth`, which ECS pulls with. */
  credentialsParameter?: string;
}

export interface ExecutorPlan {
  /** `docker` (first image is the primary container), `machine`, `macos`, `windows`, or a self-hosted runner. */
  type: 'docker' | 'machine' | 'macos' | 'windows' | 'runner';
  /** CircleCI resource class, e.g. `medium`, `large`, `arm.medium`, `acme/gpu` (self-hosted). */
  resourceClass: string;
  images: DockerImage[];
  /** Machine image (machine executor), e.g. `ubuntu-2204:current`. */
  machineImage?: string;
  dockerLayerCaching?: boolean;
}

export interface BranchTagFilter {
  only?: string[];
  ignore?: string[];
}
export interface JobFilters {
  branches?: BranchTagFilter;
  tags?: BranchTagFilter;
  /** An expression filter (`filters: pipeline.git.branch == "main"`), evaluated when jobs are selected. */
  expression?: string;
}

export interface RequiresEntry {
  /** The final (workflow-level) name of the upstream job. */
  job: string;
  /** Upstream statuses that satisfy this dependency (default `['success']`). */
  statuses: RequiredStatus[];
}

/**
 * What a job is (CircleCI's job `type`): `build` runs steps on an executor; `approval` waits for a person;
 * `no-op` only joins the graph (succeeds once its requirements do, no compute); `release` names a deploys
 * release plan (`plan_name`) and runs no compute; `lock`/`unlock` take and give back a serial group (`key`).
 */
export type JobType = 'build' | 'approval' | 'no-op' | 'release' | 'lock' | 'unlock';

export interface JobPlan {
  /** The job's name in the workflow (after `name:` overrides and matrix expansion); unique in its workflow. */
  name: string;
  /** The job definition it came from (`jobs:` key, or `orb/job`). */
  definition: string;
  type: JobType;
  requires: RequiresEntry[];
  contexts: string[];
  filters?: JobFilters;
  executor: ExecutorPlan;
  environment: Record<string, string>;
  shell?: string;
  /** Default `~/project`. */
  workingDirectory: string;
  parallelism: number;
  steps: StepPlan[];
  maxAutoReruns?: number;
  /** The serial group the job runs in (`serial-group:`), or that a `lock` job takes (its `key`). */
  serialGroup?: string;
  /** An `unlock` job: the serial group (`key`) it gives back, taken by a `lock` job of its workflow. */
  unlocks?: string;
  /** A `release` job: the release plan it names (`plan_name`). */
  releasePlan?: string;
  position?: SourcePosition;
}

export interface SchedulePlan {
  cron: string;
  filters: JobFilters;
}

export interface WorkflowPlan {
  name: string;
  jobs: JobPlan[];
  /** Legacy `triggers: - schedule:` entries of the workflow. */
  schedules: SchedulePlan[];
  position?: SourcePosition;
}

export interface Plan {
  version: 2 | 2.1;
  /** `setup: true`: the pipeline waits for a continuation (dynamic config). */
  setup: boolean;
  workflows: WorkflowPlan[];
  /** The pipeline parameters after defaults and validation. */
  pipelineParameters: Record<string, string | number | boolean>;
}

/** A config problem, positioned in the source, with a suggested fix where one is known. */
export interface ConfigProblem {
  message: string;
  file: string;
  line: number;
  column: number;
  /** JSON-pointer-like path of the offending node, e.g. `workflows.build.jobs[1]`. */
  path?: string;
  hint?: string;
  /** Machine-readable kind, e.g. `orb-not-found` when a registry orb is not available. */
  code?: 'orb-not-found' | 'limit' | 'yaml' | 'schema' | 'semantic';
}

/** Values that `<< pipeline.* >>` resolves to; see CircleCI's pipeline values. */
export interface PipelineValues {
  id: string;
  number: number;
  git: { branch?: string; tag?: string; revision: string; base_revision?: string };
  project: { git_url: string; type: string };
  trigger_source: string;
  schedule?: { name: string; id: string };
  /**
   * The other documented values the trigger supplies, by their flat name (`git.commit.subject`, `event.name`,
   * `trigger.type`, ...; see `DOCUMENTED_PIPELINE_VALUES`). A documented value not given reads as empty.
   */
  more?: Record<string, string | number | boolean>;
}
