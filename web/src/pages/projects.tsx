import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { useApi, useCollaborations } from '../api/queries';
import type { Collaboration, Page, Pipeline } from '../api/types';
import { Empty, QueryView } from '../components/states';
import { timeAgo } from '../lib/format';
import { recentProjects } from '../lib/session';

/** Projects of an organisation, as seen through its recent pipelines (`GET /api/v2/pipeline?org-slug=`). */
function OrgProjects({ org }: { org: Collaboration }) {
  const pipelines = useApi<Page<Pipeline>>(`/api/v2/pipeline?org-slug=${encodeURIComponent(org.slug)}`);
  return (
    <section className="panel" aria-label={org.name}>
      <div className="head">
        <h2>{org.name}</h2>
        <Link href={`/settings/organization/${org.slug}/contexts`}>Contexts</Link>
      </div>
      <QueryView query={pipelines} what="Projects">
        {(page) => {
          const latest = new Map<string, Pipeline>();
          for (const p of page.items) if (!latest.has(p.project_slug)) latest.set(p.project_slug, p);
          if (latest.size === 0) return <Empty title="No pipelines in this organisation yet.">Projects appear here once they run a pipeline.</Empty>;
          return (
            <ul className="plain">
              {[...latest.values()].map((p) => (
                <li key={p.project_slug} className="row">
                  <Link href={`/pipelines/${p.project_slug}`} className="grow">
                    {p.project_slug.split('/').slice(1).join('/')}
                  </Link>
                  <span className="muted">last pipeline {timeAgo(p.created_at)}</span>
                </li>
              ))}
            </ul>
          );
        }}
      </QueryView>
    </section>
  );
}

export function ProjectsPage() {
  const orgs = useCollaborations();
  const [, navigate] = useLocation();
  const [slug, setSlug] = useState('');
  const recent = recentProjects();
  const open = (e: FormEvent) => {
    e.preventDefault();
    const s = slug.trim().replace(/^\/+|\/+$/g, '');
    if (/^[^/]+\/[^/]+\/[^/]+$/.test(s)) navigate(`/pipelines/${s}`);
  };
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
      <QueryView query={orgs} what="Organisations">
          {(list) =>
            list.length === 0 ? (
              <Empty title="You are not a member of any organisation yet.">Ask an admin to add you, or open a project by its slug above.</Empty>
            ) : (
              <>
                {list.map((o) => (
                  <OrgProjects key={o.id} org={o} />
                ))}
              </>
            )
          }
      </QueryView>
    </>
  );
}
