import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, slugPath } from '../api/client';
import { usePipelineWorkflows, usePipelines, useProject } from '../api/queries';
import type { Pipeline } from '../api/types';
import { StatusBadge } from '../components/status-badge';
import { Empty, ErrorState, Loading } from '../components/states';
import { VirtualList } from '../components/virtual-list';
import { elapsed, formatDuration, shortSha, timeAgo } from '../lib/format';
import { rememberProject } from '../lib/session';
import { isTerminal, pipelineStatus } from '../lib/status';
import { useViewportHeight } from '../lib/use-viewport-height';

const ROW = 56;
const HEADER = 32;

function PipelineRow({ p, index, style }: { p: Pipeline; index: number; style: { top: number; height: number } }) {
  const settled = p.state === 'created' || p.state === 'errored';
  const workflows = usePipelineWorkflows(p.id, !settled);
  const items = workflows.data?.items;
  const status = pipelineStatus(
    p.state,
    items?.map((w) => w.status),
  );
  const start = items?.length ? items.map((w) => w.created_at).sort()[0] : undefined;
  const running = items?.some((w) => !isTerminal(w.status));
  const end =
    items?.length && !running
      ? items
          .map((w) => w.stopped_at ?? '')
          .sort()
          .at(-1)
      : undefined;
  const subject = p.vcs?.commit?.subject;
  return (
    <Link href={`/pipelines/${p.project_slug}/${p.number}`} className="vlist-row" style={style} data-index={index} data-number={p.number} role="listitem">
      <span>
        <StatusBadge status={status} />
      </span>
      <span className="mono">#{p.number}</span>
      <span className="cell">
        <strong>{p.vcs?.branch ?? (p.vcs?.tag ? `tag ${p.vcs.tag}` : '–')}</strong>
        <br />
        <span className="muted">
          {p.trigger.type} · {p.trigger.actor.login}
        </span>
      </span>
      <span className="cell">
        <span className="mono">{shortSha(p.vcs?.revision)}</span> {subject ?? <span className="muted">{p.errors[0]?.message ?? ''}</span>}
        <br />
        <span className="muted">{items?.map((w) => w.name).join(', ')}</span>
      </span>
      <span className="muted" title={p.created_at}>
        {timeAgo(p.created_at)}
      </span>
      <span className="muted">{start ? formatDuration(elapsed(start, end || null)) : '–'}</span>
    </Link>
  );
}

function TriggerButton({ slug, branch }: { slug: string; branch: string }) {
  const queryClient = useQueryClient();
  const trigger = useMutation<{ number: number }, ApiError>({
    mutationFn: () => api(`/api/v2/project/${slugPath(slug)}/pipeline`, { method: 'POST', body: branch ? { branch } : {} }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['pipelines', slug] }),
  });
  return (
    <span className="row">
      <button className="primary" onClick={() => trigger.mutate()} disabled={trigger.isPending}>
        {trigger.isPending ? 'Triggering…' : `Trigger pipeline${branch ? ` on ${branch}` : ''}`}
      </button>
      {trigger.isError && (
        <span className="state error" role="alert" style={{ padding: '4px 8px' }}>
          {trigger.error.message}
        </span>
      )}
    </span>
  );
}

export function PipelinesPage({ params }: { params: { vcs: string; org: string; repo: string } }) {
  const slug = `${params.vcs}/${params.org}/${params.repo}`;
  const [location, navigate] = useLocation();
  const branch = new URLSearchParams(useSearch()).get('branch') ?? '';
  const [draft, setDraft] = useState(branch);
  const project = useProject(slug);
  const list = usePipelines(slug, branch);
  const height = useViewportHeight(230);

  useEffect(() => setDraft(branch), [branch]);
  useEffect(() => {
    if (project.isSuccess) rememberProject(slug);
  }, [project.isSuccess, slug]);

  const filter = (e: FormEvent) => {
    e.preventDefault();
    navigate(draft.trim() ? `${location}?branch=${encodeURIComponent(draft.trim())}` : location);
  };
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const loadMore = () => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  };

  return (
    <>
      <div className="head">
        <div>
          <div className="crumbs">
            <Link href="/">Projects</Link> / <span>{params.org}</span>
          </div>
          <h1>{project.data?.name ?? params.repo}</h1>
          <span className="muted">{project.data?.vcs_info.vcs_url}</span>
        </div>
        <div className="row">
          <form className="row" onSubmit={filter} role="search" aria-label="Filter by branch">
            <input aria-label="Branch" placeholder="All branches" value={draft} onChange={(e) => setDraft(e.target.value)} />
            <button type="submit">Filter</button>
            {branch && (
              <button type="button" onClick={() => navigate(location)}>
                Clear
              </button>
            )}
          </form>
          <TriggerButton slug={slug} branch={branch} />
        </div>
      </div>
      {project.isError && <ErrorState error={project.error} what="Project" />}
      {list.isPending ? (
        <Loading what="pipelines" />
      ) : list.isError ? (
        <ErrorState error={list.error} what="Pipelines" />
      ) : list.items.length === 0 ? (
        <Empty title={branch ? `No pipelines on ${branch}.` : 'No pipelines yet.'}>Trigger one with the button above, by a push, or through the API.</Empty>
      ) : (
        <VirtualList
          label="Pipelines"
          items={list.items}
          rowHeight={ROW}
          height={height}
          headerHeight={HEADER}
          onEndReached={loadMore}
          header={
            <div className="vlist-row vlist-head" style={{ position: 'sticky' }} aria-hidden="true">
              <span>Status</span>
              <span>Number</span>
              <span>Branch · trigger</span>
              <span>Commit · workflows</span>
              <span>Started</span>
              <span>Duration</span>
            </div>
          }
          renderRow={(p, i, style) => <PipelineRow key={p.id} p={p} index={i} style={style} />}
        />
      )}
      {isFetchingNextPage && <Loading what="older pipelines" />}
    </>
  );
}
