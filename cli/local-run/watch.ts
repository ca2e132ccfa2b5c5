import type { Job, Pipeline, Workflow } from '../../shared/model/entities';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import type { JobType } from '../../shared/config/plan';

/** One job as the terminal shows it. */
export interface JobProgress {
  id: string;
  workflowId: string;
  workflow: string;
  name: string;
  type: JobType;
  status: Job['status'];
  number?: number;
  parallelism: number;
  /** The step running now (of the first running task), or the last one that ran. */
  step?: string;
  startedAt?: string;
  stoppedAt?: string;
}

export interface RunProgress {
  pipeline: Pipeline;
  workflows: Workflow[];
  jobs: JobProgress[];
  /** The pipeline is over: it errored, or every workflow it created has ended. */
  done: boolean;
}

const TERMINAL_WORKFLOW = new Set(['success', 'failed', 'error', 'canceled', 'not_run', 'unauthorized']);

/** The running step of a job: the last step of a running task, else the last step of any task. */
function currentStep(job: Job): string | undefined {
  const running = job.tasks.find((t) => t.status === 'running');
  const steps = (running ?? job.tasks[0])?.steps ?? [];
  return steps[steps.length - 1]?.name;
}

/** Reads a pipeline's workflows and jobs from the store (the same records the API and the web UI show). */
export async function readProgress(deps: Pick<ControlPlaneDeps, 'pipelines'>, pipelineId: string): Promise<RunProgress> {
  const pipeline = await deps.pipelines.getPipeline(pipelineId);
  if (!pipeline) throw new Error(`Pipeline ${pipelineId} disappeared from the local store.`);
  const workflows = (await deps.pipelines.listWorkflows(pipelineId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  const jobs: JobProgress[] = [];
  for (const wf of workflows) {
    const list = (await deps.pipelines.listJobs(wf.id)).sort(order);
    for (const j of list) {
      jobs.push({
        id: j.id,
        workflowId: wf.id,
        workflow: wf.name,
        name: j.name,
        type: j.type,
        status: j.status,
        number: j.number,
        parallelism: j.tasks.length,
        step: currentStep(j),
        startedAt: j.startedAt,
        stoppedAt: j.stoppedAt,
      });
    }
  }
  const over =
    pipeline.state === 'errored' || (pipeline.state !== 'pending' && workflows.length > 0 && workflows.every((w) => TERMINAL_WORKFLOW.has(w.status)));
  const nothing = pipeline.state === 'created' && workflows.length === 0;
  return { pipeline, workflows, jobs, done: over || nothing };
}

/** Jobs in the order their workflow declares them (the plan's position), else by creation. */
function order(a: Job, b: Job): number {
  const pa = a.plan.position;
  const pb = b.plan.position;
  if (pa && pb && (pa.line !== pb.line || pa.column !== pb.column)) return pa.line - pb.line || pa.column - pb.column;
  return a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name);
}

/** Whether all the workflows that ran succeeded (what the exit code reports). */
export function succeeded(progress: RunProgress): boolean {
  return progress.pipeline.state !== 'errored' && progress.workflows.every((w) => w.status === 'success');
}
