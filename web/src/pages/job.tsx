import { useEffect, useState, type KeyboardEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, slugPath } from '../api/client';
import { useJobDetails, useV1Job } from '../api/queries';
import { JobArtifacts, JobTests, JobTiming } from '../components/job-tabs';
import { JobSteps } from '../components/job-steps';
import { ErrorState, QueryView } from '../components/states';
import { StatusBadge } from '../components/status-badge';
import { elapsed, formatDuration, timeAgo } from '../lib/format';
import { isTerminal } from '../lib/status';

type Params = { vcs: string; org: string; repo: string; number: string; workflowId: string; job: string };
const TABS = ['Steps', 'Tests', 'Artifacts', 'Timing'] as const;
type Tab = (typeof TABS)[number];

function Tabs({ tab, onChange }: { tab: Tab; onChange: (t: Tab) => void }) {
  const onKeyDown = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length] : undefined;
    if (!next) return;
    e.preventDefault();
    onChange(next);
    (e.currentTarget.querySelector(`[data-tab="${next}"]`) as HTMLElement | null)?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="Job details" onKeyDown={onKeyDown}>
      {TABS.map((t) => (
        <button key={t} role="tab" data-tab={t} aria-selected={tab === t} tabIndex={tab === t ? 0 : -1} onClick={() => onChange(t)}>
          {t}
        </button>
      ))}
    </div>
  );
}

type JobDetails = NonNullable<ReturnType<typeof useJobDetails>['data']>;

/** The job's breadcrumbs, name, status, facts and its one action (cancel while running, rerun with SSH after). */
function JobHead(props: {
  job: JobDetails;
  params: Params;
  slug: string;
  onCancel: () => void;
  cancelling: boolean;
  onRerunSsh: () => void;
  rerunning: boolean;
}) {
  const { job, params, slug, onCancel, cancelling, onRerunSsh, rerunning } = props;
  return (
    <>
      <div className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/pipelines/${slug}`}>{params.repo}</Link> /{' '}
        <Link href={`/pipelines/${slug}/${params.number}`}>Pipeline #{params.number}</Link> /{' '}
        <Link href={`/pipelines/${slug}/${params.number}/workflows/${params.workflowId}`}>{job.latest_workflow.name}</Link> / <span>Job #{job.number}</span>
      </div>
      <div className="head">
        <div>
          <div className="row">
            <h1>{job.name}</h1>
            <StatusBadge status={job.status} />
          </div>
          <dl className="facts">
            <dt>Duration</dt>
            <dd>{formatDuration(job.duration ?? elapsed(job.started_at, job.stopped_at))}</dd>
            <dt>Queued</dt>
            <dd>{timeAgo(job.queued_at ?? job.created_at)}</dd>
            <dt>Executor</dt>
            <dd>
              {job.executor.type ?? '–'} · {job.executor.resource_class ?? '–'}
            </dd>
            <dt>Parallelism</dt>
            <dd>{job.parallelism}</dd>
            {job.contexts.length > 0 && (
              <>
                <dt>Contexts</dt>
                <dd>{job.contexts.map((c) => c.name).join(', ')}</dd>
              </>
            )}
          </dl>
        </div>
        {!isTerminal(job.status) && (
          <button onClick={onCancel} disabled={cancelling}>
            Cancel job
          </button>
        )}
        {isTerminal(job.status) && (
          <button onClick={onRerunSsh} disabled={rerunning} title="Rerun this job with an SSH server; connect with your registered SSH key">
            Rerun job with SSH
          </button>
        )}
      </div>
    </>
  );
}

function ParallelTasks({ runs, task, onSelect }: { runs: JobDetails['parallel_runs']; task: number; onSelect: (index: number) => void }) {
  return (
    <div className="row" style={{ marginBottom: 12 }}>
      <span className="muted">Parallel tasks</span>
      <div className="tasks" role="group" aria-label="Parallel tasks">
        {runs.map((r) => (
          <button key={r.index} aria-pressed={r.index === task} onClick={() => onSelect(r.index)} data-task={r.index}>
            Task {r.index} <StatusBadge status={r.status} />
          </button>
        ))}
      </div>
    </div>
  );
}

export function JobPage({ params }: { params: Params }) {
  const slug = `${params.vcs}/${params.org}/${params.repo}`;
  const details = useJobDetails(slug, params.job);
  const v1 = useV1Job(slug, params.job);
  const [location, navigate] = useLocation();
  const query = new URLSearchParams(useSearch());
  const task = Number(query.get('task') ?? 0);
  const [tab, setTab] = useState<Tab>('Steps');
  const queryClient = useQueryClient();
  const cancel = useMutation<unknown, ApiError>({
    mutationFn: () => api(`/api/v2/project/${slugPath(slug)}/job/${params.job}/cancel`, { method: 'POST' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: [`/api/v2/project/${slugPath(slug)}/job/${params.job}`] }),
  });
  // Rerun with SSH: the API names the job by id, which the workflow's job list gives for this number.
  const rerunSsh = useMutation<{ workflow_id: string }, ApiError, string>({
    mutationFn: async (workflowId) => {
      const jobs = await api<{ items: Array<{ id: string; job_number?: number }> }>(`/api/v2/workflow/${workflowId}/job`);
      const id = jobs.items.find((j) => String(j.job_number) === params.job)?.id;
      if (!id) throw new ApiError(`Job ${params.job} is not in workflow ${workflowId}.`, 404, 'GET', `/api/v2/workflow/${workflowId}/job`);
      return api(`/api/v2/workflow/${workflowId}/rerun`, { method: 'POST', body: { jobs: [id], enable_ssh: true } });
    },
    onSuccess: (r) => navigate(`/pipelines/${slug}/${params.number}/workflows/${r.workflow_id}`),
  });
  const { refetch } = v1;
  // The step list stops polling when the job finishes; read it once more when the job's status settles.
  useEffect(() => {
    void refetch();
  }, [details.data?.status, refetch]);

  return (
    <QueryView query={details} what="Job">
      {(job) => (
        <>
          <JobHead
            job={job}
            params={params}
            slug={slug}
            onCancel={() => cancel.mutate()}
            cancelling={cancel.isPending}
            onRerunSsh={() => rerunSsh.mutate(job.latest_workflow.id)}
            rerunning={rerunSsh.isPending}
          />
          {cancel.isError && <ErrorState error={cancel.error} what="Cancel" />}
          {rerunSsh.isError && <ErrorState error={rerunSsh.error} what="Rerun job with SSH" />}
          {job.parallelism > 1 && <ParallelTasks runs={job.parallel_runs} task={task} onSelect={(i) => navigate(`${location}?task=${i}`)} />}
          <Tabs tab={tab} onChange={setTab} />
          <div role="tabpanel" aria-label={tab}>
            {tab === 'Steps' && (
              <QueryView query={v1} what="Steps">
                {(j) => <JobSteps job={j} jobKey={`${slug}/${params.job}`} task={task} />}
              </QueryView>
            )}
            {tab === 'Tests' && <JobTests slug={slug} number={params.job} />}
            {tab === 'Artifacts' && <JobArtifacts slug={slug} number={params.job} />}
            {tab === 'Timing' && (
              <QueryView query={v1} what="Timing">
                {(j) => <JobTiming job={j} />}
              </QueryView>
            )}
          </div>
        </>
      )}
    </QueryView>
  );
}
