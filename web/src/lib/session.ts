const TOKEN_KEY = 'slipway.token';
const RECENT_KEY = 'slipway.recentProjects';

/** The API token lives in localStorage, per origin (local mode sign-in). */
export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** Project slugs this browser opened, newest first: a real list when the server cannot list projects. */
export function recentProjects(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberProject(slug: string): void {
  const next = [slug, ...recentProjects().filter((s) => s !== slug)].slice(0, 12);
  localStorage.setItem(RECENT_KEY, JSON.stringify(next));
}
