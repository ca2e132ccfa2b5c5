import type { Pipeline, Project } from '../../model/entities';
import { isTerminalWorkflow } from '../../model/statuses';
import { sendWorkflowEvent } from '../workflows/workflow-events';
import type { ControlPlaneDeps } from '../deps';
import { settingsOf } from '../projects/project-settings';

/** How many earlier pipelines of the branch are looked at for redundant workflows. */
const LOOKBACK = 20;

/**
 * CircleCI's auto-cancel: when a new pipeline starts on a branch other than the default branch, the running
 * workflows of the branch's earlier pipelines are canceled (through the conductor, so it is idempotent).
 * Resolves the ids of the workflows asked to cancel.
 */
export async function cancelRedundantWorkflows(deps: Pick<ControlPlaneDeps, 'pipelines' | 'queue'>, project: Project, pipeline: Pipeline): Promise<string[]> {
  const branch = pipeline.vcs.branch;
  if (!settingsOf(project).autoCancelBuilds || !branch || branch === project.defaultBranch) return [];
  const earlier = (await deps.pipelines.listPipelines(project.slug, { branch, limit: LOOKBACK })).items.filter((p) => p.number < pipeline.number);
  const canceled: string[] = [];
  for (const p of earlier) {
    for (const wf of await deps.pipelines.listWorkflows(p.id)) {
      if (isTerminalWorkflow(wf.status)) continue;
      await sendWorkflowEvent(deps, wf.id, { type: 'WorkflowCancelRequested', by: 'auto-cancel' }, `${wf.id}:autocancel`);
      canceled.push(wf.id);
    }
  }
  return canceled;
}
