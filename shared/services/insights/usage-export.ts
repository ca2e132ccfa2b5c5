import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { pricePerSecond } from '../../model/compute-prices';
import type { Job, Project } from '../../model/entities';
import { NotFoundError, ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';

type Deps = Pick<ControlPlaneDeps, 'pipelines' | 'blobs' | 'clock'>;

/** CircleCI's limits on a usage export's range. */
export const USAGE_EXPORT_MAX_DAYS = 31;
export const USAGE_EXPORT_MAX_AGE_DAYS = 365;
/** How long a download link stays valid. */
export const USAGE_EXPORT_LINK_SECONDS = 3600;
const DAY = 86_400_000;

const manifestKey = (orgId: string, id: string) => `usage-exports/${orgId}/${id}.json`;
const csvKey = (orgId: string, id: string) => `usage-exports/${orgId}/${id}.csv`;

export const USAGE_COLUMNS = [
  'project_slug',
  'pipeline_number',
  'workflow_id',
  'job_name',
  'job_number',
  'job_status',
  'executor',
  'resource_class',
  'parallelism',
  'started_at',
  'stopped_at',
  'duration_seconds',
  'compute_seconds',
  'cost_usd',
] as const;

/** One CSV row per job: duration is wall time, compute seconds sum every parallel task's run time. */
export function usageRow(project: Project, pipelineNumber: number, job: Job): Array<string | number> {
  const seconds = (from?: string, to?: string) => (from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : 0);
  const duration = seconds(job.startedAt, job.stoppedAt);
  const compute = job.tasks.reduce((sum, t) => sum + seconds(t.startedAt, t.stoppedAt ?? (t.startedAt ? job.stoppedAt : undefined)), 0);
  const { executor } = job.plan;
  return [
    project.slug,
    pipelineNumber,
    job.workflowId,
    job.name,
    job.number ?? '',
    job.status,
    executor.type,
    executor.resourceClass,
    job.tasks.length,
    job.startedAt ?? '',
    job.stoppedAt ?? '',
    duration.toFixed(3),
    compute.toFixed(3),
    (compute * pricePerSecond(executor)).toFixed(6),
  ];
}

/** Every finished build job of `projects` that started within [start, end], as CSV rows. */
async function usageRows(deps: Deps, projects: Project[], start: number, end: number): Promise<Array<Array<string | number>>> {
  const rows: Array<Array<string | number>> = [];
  for (const project of projects) {
    let pageToken: string | undefined;
    do {
      const page = await deps.pipelines.listPipelines(project.slug, { pageToken, limit: 50 });
      for (const pipeline of page.items) {
        if (Date.parse(pipeline.createdAt) > end) continue;
        for (const wf of await deps.pipelines.listWorkflows(pipeline.id)) {
          for (const job of await deps.pipelines.listJobs(wf.id)) {
            const started = job.startedAt ? Date.parse(job.startedAt) : NaN;
            if (job.type === 'build' && job.stoppedAt && started >= start && started <= end) rows.push(usageRow(project, pipeline.number, job));
          }
        }
      }
      // Pipelines come newest first: once one was created before the range, older ones are out of it too.
      const oldest = page.items.at(-1);
      pageToken = oldest && Date.parse(oldest.createdAt) < start - DAY ? undefined : (page.nextPageToken ?? undefined);
    } while (pageToken);
  }
  return rows;
}

interface Manifest {
  id: string;
  orgId: string;
  start: string;
  end: string;
  state: 'completed';
  createdAt: string;
}

/**
 * Builds an organisation's usage export at once (Slipway's volumes make that cheap) and stores the CSV and a
 * manifest under `usage-exports/<org id>/`. Resolves CircleCI's `usage_export_job` shape.
 */
export async function createUsageExport(deps: Deps, orgId: string, projects: Project[], input: { start: string; end: string }) {
  const start = Date.parse(input.start);
  const end = Date.parse(input.end);
  const now = deps.clock.now().getTime();
  if (end < start) throw new ValidationError('end must not be before start.');
  if (end - start > USAGE_EXPORT_MAX_DAYS * DAY) throw new ValidationError(`end must be no more than ${USAGE_EXPORT_MAX_DAYS} days after start.`);
  if (start < now - USAGE_EXPORT_MAX_AGE_DAYS * DAY) throw new ValidationError(`start must be no more than ${USAGE_EXPORT_MAX_AGE_DAYS} days ago.`);
  const id = randomUUID();
  const rows = await usageRows(deps, projects, start, end);
  await deps.blobs.put(csvKey(orgId, id), stringify([[...USAGE_COLUMNS], ...rows]), { contentType: 'text/csv' });
  const manifest: Manifest = {
    id,
    orgId,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    state: 'completed',
    createdAt: new Date(now).toISOString(),
  };
  await deps.blobs.put(manifestKey(orgId, id), JSON.stringify(manifest), { contentType: 'application/json' });
  return { usage_export_job_id: id, state: manifest.state, start: manifest.start, end: manifest.end, download_urls: [await downloadUrl(deps, orgId, id)] };
}

/** CircleCI's `get_usage_export_job_status` of an export, with a fresh presigned download link. */
export async function getUsageExport(deps: Deps, orgId: string, id: string) {
  const raw = /^[0-9a-f-]{36}$/.test(id) ? await deps.blobs.get(manifestKey(orgId, id)) : undefined;
  if (!raw) throw new NotFoundError(`Usage export ${id} not found for organization ${orgId}.`);
  const manifest = JSON.parse(raw.toString('utf8')) as Manifest;
  return { usage_export_job_id: manifest.id, state: manifest.state, download_urls: [await downloadUrl(deps, orgId, id)] };
}

function downloadUrl(deps: Deps, orgId: string, id: string): Promise<string> {
  return deps.blobs.presignGet(csvKey(orgId, id), USAGE_EXPORT_LINK_SECONDS, { downloadName: `usage-${id}.csv` });
}
