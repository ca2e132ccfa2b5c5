import { useInfiniteQuery, useQuery, type UseQueryOptions } from '@tanstack/react-query';
import { isTerminal } from '../lib/status';
import { api, ApiError, slugPath } from './client';
import type { Collaboration, JobDetails, Me, Page, Pipeline, Project, V1Job, Workflow, WorkflowJob } from './types';

/** How often live views poll while something is still running. */
export const LIVE_MS = 2000;
/** How often the pipelines list looks for new pipelines. */
export const LIST_MS = 5000;

type Opts<T> = Omit<UseQueryOptions<T, ApiError>, 'queryKey' | 'queryFn'>;

/** A GET against the API, keyed by its path. */
export function useApi<T>(path: string | null, options: Opts<T> = {}) {
  return useQuery<T, ApiError>({ queryKey: [path], queryFn: () => api<T>(path!), enabled: path !== null, ...options });
}

export const useMe = () => useApi<Me>('/api/v2/me', { staleTime: 60_000 });

export const useCollaborations = () => useApi<Collaboration[]>('/api/v2/me/collaborations', { staleTime: 60_000 });

export const useProject = (slug: string) => useApi<Project>(`/api/v2/project/${slugPath(slug)}`, { staleTime: 60_000 });

const pipelinesPath = (slug: string, branch: string, pageToken?: string) => {
  const q = new URLSearchParams();
  if (branch) q.set('branch', branch);
  if (pageToken) q.set('page-token', pageToken);
  const qs = q.toString();
  return `/api/v2/project/${slugPath(slug)}/pipeline${qs ? `?${qs}` : ''}`;
};

/**
 * A project's pipelines, newest first. Older pages load on demand (`fetchNextPage`); the newest page is
 * polled on its own so new pipelines appear without refetching every loaded page.
 */
export function usePipelines(slug: string, branch: string) {
  const pages = useInfiniteQuery<Page<Pipeline>, ApiError>({
    queryKey: ['pipelines', slug, branch],
    queryFn: ({ pageParam }) => api<Page<Pipeline>>(pipelinesPath(slug, branch, pageParam as string | undefined)),
    initialPageParam: undefined,
    getNextPageParam: (last) => last.next_page_token ?? undefined,
  });
  const head = useApi<Page<Pipeline>>(pipelinesPath(slug, branch), { refetchInterval: LIST_MS, enabled: pages.isSuccess });
  const seen = new Set<string>();
  const items: Pipeline[] = [];
  for (const p of [...(head.data?.items ?? []), ...(pages.data?.pages.flatMap((pg) => pg.items) ?? [])]) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    items.push(p);
  }
  items.sort((a, b) => b.number - a.number);
  return { ...pages, items };
}

/** Workflows of a pipeline, polled while any is in progress or the pipeline has yet to create them (`pending`). */
export const usePipelineWorkflows = (pipelineId: string | undefined, pending: boolean) =>
  useApi<Page<Workflow>>(pipelineId ? `/api/v2/pipeline/${pipelineId}/workflow` : null, {
    refetchInterval: (q) => {
      const items = q.state.data?.items;
      return pending || !items || items.some((w) => !isTerminal(w.status)) ? LIVE_MS : false;
    },
  });

export const useWorkflowJobs = (workflowId: string, live: boolean) =>
  useApi<Page<WorkflowJob>>(`/api/v2/workflow/${workflowId}/job`, { refetchInterval: live ? LIVE_MS : false });

/** A pipeline by number, polled until its config is processed (`created` or `errored`). */
export const usePipelineByNumber = (slug: string, number: string) =>
  useApi<Pipeline>(`/api/v2/project/${slugPath(slug)}/pipeline/${number}`, {
    refetchInterval: (q) => (q.state.data && ['created', 'errored'].includes(q.state.data.state) ? false : LIVE_MS),
  });

export const useJobDetails = (slug: string, number: string) =>
  useApi<JobDetails>(`/api/v2/project/${slugPath(slug)}/job/${number}`, { refetchInterval: (q) => (isTerminal(q.state.data?.status) ? false : LIVE_MS) });

/** v1.1 job detail (steps with `output_url`s), polled while the job runs. */
export function useV1Job(slug: string, number: string) {
  const [vcs, org, repo] = slug.split('/');
  const v1vcs = vcs === 'gh' ? 'github' : vcs === 'bb' ? 'bitbucket' : vcs;
  return useApi<V1Job>(`/api/v1.1/project/${v1vcs}/${encodeURIComponent(org)}/${encodeURIComponent(repo)}/${number}`, {
    refetchInterval: (q) => (q.state.data?.lifecycle === 'finished' ? false : LIVE_MS),
  });
}

/** The projects the caller can see (`GET /api/v2/slipway/projects`), ordered by slug; more pages on demand. */
export function useProjectList() {
  return useInfiniteQuery<Page<Project>, ApiError>({
    queryKey: ['project-list'],
    queryFn: ({ pageParam }) => api<Page<Project>>(`/api/v2/slipway/projects${pageParam ? `?page-token=${encodeURIComponent(pageParam as string)}` : ''}`),
    initialPageParam: undefined,
    getNextPageParam: (last) => last.next_page_token ?? undefined,
    staleTime: 30_000,
  });
}
