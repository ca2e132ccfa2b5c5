import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { useMe } from '../api/queries';
import { setToken } from '../lib/session';

/** The project and organisation the current URL is about, if any. */
export function scopeFromPath(path: string): { project?: string; org?: string } {
  const m = /^\/(?:pipelines|insights|settings\/project)\/([^/]+)\/([^/]+)\/([^/]+)/.exec(path);
  if (m) return { project: `${m[1]}/${m[2]}/${m[3]}`, org: `${m[1]}/${m[2]}` };
  const o = /^\/settings\/organization\/([^/]+)\/([^/]+)/.exec(path);
  return o ? { org: `${o[1]}/${o[2]}` } : {};
}

function NavLink({ href, children, exact }: { href: string; children: ReactNode; exact?: boolean }) {
  const [location] = useLocation();
  const active = exact ? location === href : location === href || location.startsWith(`${href}/`);
  return (
    <Link href={href} aria-current={active ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/** Ends this browser's session: forgets the token and everything fetched with it, and goes to the sign-in page. */
export function useEndSession(): () => void {
  const [, navigate] = useLocation();
  const queryClient = useQueryClient();
  return () => {
    setToken(null);
    queryClient.clear();
    navigate('/signin');
  };
}

export function Layout({ children }: { children: ReactNode }) {
  const [location] = useLocation();
  const { project, org } = scopeFromPath(location);
  const me = useMe();
  const endSession = useEndSession();
  const signOut = () => {
    // Revoke the token on the server too (best effort: signing out never waits on it or fails).
    api('/api/v2/me/token', { method: 'DELETE' }).catch(() => undefined);
    endSession();
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Slipway home">
          <svg width="18" height="18" viewBox="0 0 16 16" aria-hidden="true">
            <path d="M2 12h12L11 4H5z" fill="var(--accent)" />
          </svg>
          Slipway
        </Link>
        <nav aria-label="Main">
          <NavLink href="/" exact>
            Projects
          </NavLink>
          {project && <NavLink href={`/pipelines/${project}`}>Pipelines</NavLink>}
          {project && <NavLink href={`/insights/${project}`}>Insights</NavLink>}
          {project && <NavLink href={`/settings/project/${project}`}>Project settings</NavLink>}
          {org && <NavLink href={`/settings/organization/${org}/contexts`}>Contexts</NavLink>}
        </nav>
        <Link href="/settings/user/tokens" className="muted" data-testid="user" title="Your personal API tokens">
          {me.data?.login ?? ''}
        </Link>
        <Link href="/settings/user/ssh-keys" className="muted" title="Your SSH keys (rerun job with SSH)">
          SSH keys
        </Link>
        <button className="small" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" className="main">
        {children}
      </main>
    </>
  );
}
