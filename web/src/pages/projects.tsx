import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { useApi, useCollaborations, useProjectList } from '../api/queries';
import type { Page, Pipeline, Project } from '../api/types';
import { Empty, ErrorState, Loading } from '../components/states';
import { timeAgo } from '../lib/format';
import { recentProjects } from '../lib/session';

interface Org {
  slug: string;
  name: string;
}

/**
 * An organisation's projects (from the project list), each with its latest pipeline from the first page of
 * the organisation's pipeline feed (`GET /api/v2/pipeline?org-slug=`); "no pipelines yet" only when that page
 * is the whole feed.
 */
function OrgProjects({ org, projects }: { org: Org; projects: Project[] }) {
  const feed = useApi<Page<Pipeline>>(`/api/v2/pipeline?org-slug=${encodeURIComponent(org.slug)}`, { enabled: projects.length > 0, retry: false });
  const latest = new Map<string, Pipeline>();
  for (const p of feed.data?.items ?? []) if (!latest.has(p.project_slug)) latest.set(p.project_slug, p);
  return (
    <section className="panel" aria-label={org.name}>
      <div className="head">
        <h2>{org.name}</h2>
        <Link href={`/settings/organization/${org.slug}/contexts`}>Contexts</Link>
      </div>
      {projects.length === 0 ? (
        <Empty title="No projects in this organisation yet.">An instance admin adds projects (or they arrive with the GitHub App).</Empty>
      ) : (
        <ul className="plain">
          {projects.map((p) => {
            const last = latest.get(p.slug);
            return (
              <li key={p.slug} className="row" data-project={p.slug}>
                <Link href={`/pipelines/${p.slug}`} className="grow">
                  {p.slug.split('/').slice(1).join('/')}
                </Link>
                <span className="muted">
                  {last ? `last pipeline ${timeAgo(last.created_at)}` : feed.isSuccess && !feed.data.next_page_token ? 'no pipelines yet' : ''}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** Organisations the user collaborates with, plus those of the projects they can see, in slug order. */
function organisations(collaborations: Org[], projects: Project[]): Org[] {
  const bySlug = new Map<string, Org>();
  for (const o of collaborations) bySlug.set(o.slug, { slug: o.slug, name: o.name });
  for (const p of projects) if (!bySlug.has(p.organization_slug)) bySlug.set(p.organization_slug, { slug: p.organization_slug, name: p.organization_name });
  return [...bySlug.values()].sort((a, b) => a.slug.localeCompare(b.slug));
}

export function ProjectsPage() {
  const orgs = useCollaborations();
  const list = useProjectList();
  const [, navigate] = useLocation();
  const [slug, setSlug] = useState('');
  const recent = recentProjects();
  const open = (e: FormEvent) => {
    e.preventDefault();
    const s = slug.trim().replace(/^\/+|\/+$/g, '');
    if (/^[^/]+\/[^/]+\/[^/]+$/.test(s)) navigate(`/pipelines/${s}`);
  };
  const projects = list.data?.pages.flatMap((p) => p.items) ?? [];
  let body;
  if (list.isPending || orgs.isPending) body = <Loading what="projects" />;
  else if (list.isError) body = <ErrorState error={list.error} what="Projects" />;
  else if (orgs.isError) body = <ErrorState error={orgs.error} what="Organisations" />;
  else {
    const all = organisations(orgs.data, projects);
    body =
      all.length === 0 ? (
        <Empty title="You are not a member of any organisation yet.">Ask an admin to add you, or open a project by its slug above.</Empty>
      ) : (
        <>
          {all.map((o) => (
            <OrgProjects key={o.slug} org={o} projects={projects.filter((p) => p.organization_slug === o.slug)} />
          ))}
          {list.hasNextPage && (
            <button onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
              {list.isFetchingNextPage ? 'Loading…' : 'Load more projects'}
            </button>
          )}
        </>
      );
  }
  return (
    <>
      <div className="head">
        <div>
          <h1>Projects</h1>
          <span className="muted">Organisations you collaborate with and their projects.</span>
        </div>
        <form className="row" onSubmit={open} aria-label="Open a project">
          <input aria-label="Project slug" placeholder="gh/org/repo" value={slug} onChange={(e) => setSlug(e.target.value)} pattern="[^/]+/[^/]+/[^/]+" />
          <button type="submit">Open project</button>
        </form>
      </div>
      {recent.length > 0 && (
        <section className="panel" aria-label="Recently opened">
          <h2>Recently opened in this browser</h2>
          <ul className="plain">
            {recent.map((s) => (
              <li key={s}>
                <Link href={`/pipelines/${s}`}>{s}</Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {body}
    </>
  );
}
