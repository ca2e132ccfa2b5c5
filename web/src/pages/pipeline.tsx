import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import { useApi, usePipelineByNumber, usePipelineWorkflows, useWorkflowJobs } from '../api/queries';
import type { Pipeline, Workflow, WorkflowJob } from '../api/types';
import { StatusBadge } from '../components/status-badge';
import { Empty, QueryView } from '../components/states';
import { WorkflowGraph } from '../components/workflow-graph';
import { elapsed, formatDuration, shortSha, timeAgo } from '../lib/format';
import { isTerminal, pipelineStatus } from '../lib/status';

type Params = { vcs: string; org: string; repo: string; number: string; workflowId?: string };

/** A POST the workflow panel's buttons make; `label` names it in the error shown if it fails. */
type WorkflowAction = { label: string; path: string; body?: unknown };

/** Cancel (while it runs), rerun from start (once it ended), rerun from failed (when it failed). */
function WorkflowActions({ workflow, live, pending, run }: { workflow: Workflow; live: boolean; pending: boolean; run: (a: WorkflowAction) => void }) {
  const failed = ['failed', 'error', 'canceled'].includes(workflow.status);
  return (
    <div className="row">
      {live && (
        <button onClick={() => run({ label: 'Cancel workflow', path: `/api/v2/workflow/${workflow.id}/cancel` })} disabled={pending}>
          Cancel workflow
        </button>
      )}
      <button
        onClick={() => run({ label: 'Rerun from start', path: `/api/v2/workflow/${workflow.id}/rerun`, body: { from_failed: false } })}
        disabled={pending || live}
      >
        Rerun from start
      </button>
      {failed && (
        <button
          onClick={() => run({ label: 'Rerun from failed', path: `/api/v2/workflow/${workflow.id}/rerun`, body: { from_failed: true } })}
          disabled={pending}
        >
          Rerun from failed
        </button>
      )}
    </div>
  );
}

function WorkflowPanel({ workflow, slug, number, selected }: { workflow: Workflow; slug: string; number: string; selected: boolean }) {
  const live = !isTerminal(workflow.status);
  const jobs = useWorkflowJobs(workflow.id, live);
  const queryClient = useQueryClient();
  const [approving, setApproving] = useState<string | null>(null);
  const { refetch } = jobs;
  // Jobs stop polling once the workflow is finished: read them once more at that transition.
  useEffect(() => {
    void refetch();
  }, [workflow.status, refetch]);
  const refresh = () =>
    queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).includes(workflow.pipeline_id) || String(q.queryKey[0]).includes(workflow.id) });
  const action = useMutation<unknown, ApiError, WorkflowAction>({
    mutationFn: ({ path, body }) => api(path, { method: 'POST', body }),
    onSettled: () => {
      setApproving(null);
      void refresh();
    },
  });
  const approve = (job: WorkflowJob) => {
    setApproving(job.id);
    action.mutate({ label: `Approve ${job.name}`, path: `/api/v2/workflow/${workflow.id}/approve/${job.approval_request_id ?? job.id}` });
  };
  return (
    <section
      className="panel"
      aria-label={`Workflow ${workflow.name}`}
      data-workflow={workflow.name}
      data-workflow-id={workflow.id}
      style={selected ? { borderColor: 'var(--accent)' } : undefined}
    >
      <div className="head">
        <div className="row">
          <h2 style={{ margin: 0 }}>
            <Link href={`/pipelines/${slug}/${number}/workflows/${workflow.id}`}>{workflow.name}</Link>
          </h2>
          <StatusBadge status={workflow.status} />
          <span className="muted">{formatDuration(elapsed(workflow.created_at, workflow.stopped_at))}</span>
        </div>
        <WorkflowActions workflow={workflow} live={live} pending={action.isPending} run={(a) => action.mutate(a)} />
      </div>
      {action.isError && (
        <div className="state error" role="alert" style={{ marginBottom: 12 }}>
          <strong>{action.variables?.label} failed.</strong>
          {action.error.message}
        </div>
      )}
      <QueryView query={jobs} what="Jobs">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="This workflow has no jobs." />
          ) : (
            <WorkflowGraph
              jobs={page.items}
              approving={approving}
              onApprove={approve}
              jobHref={(j) =>
                j.job_number !== undefined && j.type !== 'approval' ? `/pipelines/${slug}/${number}/workflows/${workflow.id}/jobs/${j.job_number}` : null
              }
            />
          )
        }
      </QueryView>
    </section>
  );
}

function ConfigView({ pipeline }: { pipeline: Pipeline }) {
  const [open, setOpen] = useState(false);
  const config = useApi<{ source: string }>(open ? `/api/v2/pipeline/${pipeline.id}/config` : null);
  return (
    <section className="panel">
      <button className="step-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="chev">▶</span>
        <span className="name">Configuration</span>
      </button>
      {open && (
        <QueryView query={config} what="Configuration">
          {(c) => (
            <pre className="log" style={{ padding: 12 }}>
              {c.source || 'No configuration was fetched for this pipeline.'}
            </pre>
          )}
        </QueryView>
      )}
    </section>
  );
}

export function PipelinePage({ params }: { params: Params }) {
  const slug = `${params.vcs}/${params.org}/${params.repo}`;
  const pipeline = usePipelineByNumber(slug, params.number);
  const settled = pipeline.data?.state === 'created' || pipeline.data?.state === 'errored';
  const workflows = usePipelineWorkflows(pipeline.data?.id, !settled);
  return (
    <QueryView query={pipeline} what="Pipeline">
      {(p) => (
        <>
          <div className="crumbs">
            <Link href="/">Projects</Link> / <Link href={`/pipelines/${slug}`}>{params.repo}</Link> / <span>Pipeline #{p.number}</span>
          </div>
          <div className="head">
            <div>
              <div className="row">
                <h1>Pipeline #{p.number}</h1>
                <StatusBadge
                  status={pipelineStatus(
                    p.state,
                    workflows.data?.items.map((w) => w.status),
                  )}
                />
              </div>
              <dl className="facts">
                <dt>Branch</dt>
                <dd>{p.vcs?.branch ?? (p.vcs?.tag ? `tag ${p.vcs.tag}` : '–')}</dd>
                <dt>Commit</dt>
                <dd>
                  <code>{shortSha(p.vcs?.revision)}</code> {p.vcs?.commit?.subject}
                </dd>
                <dt>Trigger</dt>
                <dd>
                  {p.trigger.type} by {p.trigger.actor.login}, <span title={p.created_at}>{timeAgo(p.created_at)}</span>
                </dd>
              </dl>
            </div>
          </div>
          {p.errors.length > 0 && (
            <div className="state error" role="alert" style={{ marginBottom: 16 }}>
              <strong>The pipeline could not be created.</strong>
              {p.errors.map((e, i) => (
                <div key={i}>
                  <code>{e.type}</code>: {e.message}
                </div>
              ))}
            </div>
          )}
          <QueryView query={workflows} what="Workflows">
            {(page) =>
              page.items.length === 0 ? (
                <Empty title={settled ? 'This pipeline has no workflows.' : 'Waiting for the pipeline to start its workflows…'} />
              ) : (
                <>
                  {page.items.map((w) => (
                    <WorkflowPanel key={w.id} workflow={w} slug={slug} number={params.number} selected={w.id === params.workflowId} />
                  ))}
                </>
              )
            }
          </QueryView>
          <ConfigView pipeline={p} />
        </>
      )}
    </QueryView>
  );
}
