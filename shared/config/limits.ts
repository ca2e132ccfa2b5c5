import { ConfigCompileError, type Problems } from './problems';

/**
 * Bounds on what compiling one config may produce, so that no config (hostile or careless) can make the
 * compiler run for long or use much memory. Each is checked while the result is built (matrices before they
 * are expanded), and exceeding one stops compilation with a positioned error naming the limit.
 * CircleCI documents none of these figures; they leave ample room above the largest real configs we know.
 */
export interface CompileLimits {
  /** Built-in steps in one job once every command, pre/post-step and steps parameter is expanded. */
  maxStepsPerJob: number;
  /** Built-in steps in all jobs of the config together. */
  maxStepsPerConfig: number;
  /** Steps visited while expanding (command invocations included, even those that expand to nothing). */
  maxStepExpansions: number;
  /** Commands invoking commands, this many levels deep. */
  maxCommandDepth: number;
  /** Jobs in one workflow, matrix instances included (a matrix is counted before it is expanded). */
  maxJobsPerWorkflow: number;
  /** Jobs in all workflows of the pipeline together. */
  maxJobsPerPipeline: number;
  /** Characters produced by `<< >>` substitution (parameters, matrix and pipeline values), all together. */
  maxExpandedBytes: number;
  /** Size of the processed config (`config process` output), in bytes. */
  maxProcessedBytes: number;
  /** Wall time one compilation may take, in milliseconds. */
  compileTimeBudgetMs: number;
}

export const MAX_STEPS_PER_JOB = 1_000;
export const MAX_STEPS_PER_CONFIG = 20_000;
export const MAX_STEP_EXPANSIONS = 10_000;
export const MAX_COMMAND_DEPTH = 40;
export const MAX_JOBS_PER_WORKFLOW = 2_000;
export const MAX_JOBS_PER_PIPELINE = 5_000;
export const MAX_EXPANDED_BYTES = 16 * 1024 * 1024;
export const MAX_PROCESSED_BYTES = 16 * 1024 * 1024;
export const COMPILE_TIME_BUDGET_MS = 2_000;

/** Wall time a compile worker may run before it is terminated (a backstop behind the counted limits). */
export const COMPILE_WORKER_TIMEOUT_MS = 5_000;
/** Heap a compile worker may use before it is stopped. */
export const COMPILE_WORKER_MEMORY_MB = 256;
/** Compile workers running at once per process; further compilations wait for one. */
export const COMPILE_WORKERS = 2;

export const defaultCompileLimits: CompileLimits = {
  maxStepsPerJob: MAX_STEPS_PER_JOB,
  maxStepsPerConfig: MAX_STEPS_PER_CONFIG,
  maxStepExpansions: MAX_STEP_EXPANSIONS,
  maxCommandDepth: MAX_COMMAND_DEPTH,
  maxJobsPerWorkflow: MAX_JOBS_PER_WORKFLOW,
  maxJobsPerPipeline: MAX_JOBS_PER_PIPELINE,
  maxExpandedBytes: MAX_EXPANDED_BYTES,
  maxProcessedBytes: MAX_PROCESSED_BYTES,
  compileTimeBudgetMs: COMPILE_TIME_BUDGET_MS,
};

/** Where a limit was exceeded: a node of the config (and an entry key), as for any other problem. */
export interface LimitSite {
  node?: unknown;
  key?: string | number;
}

/** Thrown when a compile limit is exceeded; its one problem has code `limit` and names the limit. */
export class ConfigLimitError extends ConfigCompileError {
  constructor(
    readonly limit: keyof CompileLimits,
    problems: ConstructorParameters<typeof ConfigCompileError>[0],
  ) {
    super(problems);
    this.name = 'ConfigLimitError';
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const fmt = (n: number): string => n.toLocaleString('en-US');

/** Counts what one compilation produces against its limits; one per compilation. */
export class CompileBudget {
  readonly limits: CompileLimits;
  private readonly deadline: number;
  private steps = 0;
  private expansions = 0;
  private bytes = 0;
  private job: { owner: string; steps: number } | undefined;

  constructor(
    private readonly problems: Problems,
    limits: Partial<CompileLimits> = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limits = { ...defaultCompileLimits, ...limits };
    this.deadline = this.now() + this.limits.compileTimeBudgetMs;
  }

  /** Stops compilation with a positioned error naming `limit`. */
  exceed(limit: keyof CompileLimits, message: string, at: LimitSite, hint: string): never {
    const pos = this.problems.position(at.node, at.key) ?? { file: this.problems.file, line: 1, column: 1 };
    throw new ConfigLimitError(limit, [{ ...pos, message: `${message} (limit ${limit} = ${fmt(this.limits[limit])}).`, hint, code: 'limit' }]);
  }

  /** Starts counting the steps of one job (its pre-steps, body and post-steps). */
  beginJob(owner: string): void {
    this.job = { owner, steps: 0 };
  }

  /** One step visited during expansion (a built-in step, a command invocation or a `when` step). */
  visitStep(at: LimitSite): void {
    if (++this.expansions > this.limits.maxStepExpansions)
      this.exceed(
        'maxStepExpansions',
        `Expanding the steps of ${this.job?.owner ?? 'the config'} visits more than ${fmt(this.limits.maxStepExpansions)} steps`,
        at,
        'Check for commands that invoke other commands many times over; flatten the chain.',
      );
    if ((this.expansions & 63) === 0) this.checkTime(at);
  }

  /** One built-in step produced for the current job. */
  addStep(at: LimitSite): void {
    if (this.job && ++this.job.steps > this.limits.maxStepsPerJob)
      this.exceed(
        'maxStepsPerJob',
        `${this.job.owner} expands to more than ${fmt(this.limits.maxStepsPerJob)} steps`,
        at,
        'Check for commands that invoke other commands many times over, or split the job.',
      );
    if (++this.steps > this.limits.maxStepsPerConfig)
      this.exceed(
        'maxStepsPerConfig',
        `The config expands to more than ${fmt(this.limits.maxStepsPerConfig)} steps`,
        at,
        'Split the work into fewer, larger steps or fewer jobs.',
      );
  }

  /**
   * Counts the jobs of every workflow before any is expanded (matrices by their size, whether or not a
   * `when` later leaves the workflow out), so an oversized pipeline is refused before work starts.
   */
  countJobs(workflows: unknown, size: (matrix: unknown) => number): void {
    if (!isMap(workflows)) return;
    let total = 0;
    for (const [name, wf] of Object.entries(workflows)) {
      if (!isMap(wf) || !Array.isArray(wf.jobs)) continue;
      let inWorkflow = 0;
      wf.jobs.forEach((entry, index) => {
        const cfg = isMap(entry) && Object.keys(entry).length === 1 ? Object.values(entry)[0] : undefined;
        const n = isMap(cfg) && cfg.matrix !== undefined ? size(cfg.matrix) : 1;
        inWorkflow += n;
        total += n;
        const at = { node: wf.jobs, key: index };
        if (inWorkflow > this.limits.maxJobsPerWorkflow)
          this.exceed(
            'maxJobsPerWorkflow',
            `Workflow "${name}" would have ${fmt(inWorkflow)} jobs or more, more than ${fmt(this.limits.maxJobsPerWorkflow)}`,
            at,
            'Reduce the matrix (fewer parameters or values) or split the workflow.',
          );
        if (total > this.limits.maxJobsPerPipeline)
          this.exceed(
            'maxJobsPerPipeline',
            `The pipeline would have ${fmt(total)} jobs or more, more than ${fmt(this.limits.maxJobsPerPipeline)}`,
            at,
            'Reduce the matrices or the number of workflows.',
          );
      });
    }
  }

  /** `n` characters produced by `<< >>` substitution. */
  addBytes(n: number, at: LimitSite): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxExpandedBytes)
      this.exceed(
        'maxExpandedBytes',
        `Parameter substitution produces more than ${fmt(this.limits.maxExpandedBytes)} characters`,
        at,
        'Check for parameters whose value repeats another parameter several times over.',
      );
  }

  /** The processed config's size, checked once it is written. */
  checkProcessedBytes(bytes: number): void {
    if (bytes > this.limits.maxProcessedBytes)
      this.exceed(
        'maxProcessedBytes',
        `The processed config is ${fmt(bytes)} bytes, more than ${fmt(this.limits.maxProcessedBytes)}`,
        {},
        'Reduce the number of jobs or steps.',
      );
  }

  /** Stops compilation once its time budget is spent. */
  checkTime(at: LimitSite = {}): void {
    if (this.now() > this.deadline)
      this.exceed('compileTimeBudgetMs', 'Compiling the config takes too long', at, 'Reduce the number of jobs, matrix combinations and nested commands.');
  }
}

const budgets = new WeakMap<Problems, CompileBudget>();

/** Gives a compilation (identified by its `Problems`) its budget. */
export function attachBudget(problems: Problems, limits?: Partial<CompileLimits>, now?: () => number): CompileBudget {
  const b = new CompileBudget(problems, limits, now);
  budgets.set(problems, b);
  return b;
}

/** The budget of a compilation; one with the default limits when none was attached. */
export function budgetOf(problems: Problems): CompileBudget {
  return budgets.get(problems) ?? attachBudget(problems);
}

/** The message for a cycle of command invocations, e.g. `a → b → a`. */
export function cycleText(stack: readonly string[], name: string): string {
  return [...stack.slice(stack.indexOf(name)), name].join(' → ');
}
