const TOKEN_KEY = 'slipway.token';
const RECENT_KEY = 'slipway.recentProjects';

/** The API token lives in localStorage, per origin (typed on the sign-in page, or from sign-in with GitHub). */
export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/**
 * Sign-in with GitHub ends on a UI address carrying a fresh API token in its fragment (`#token=...`): store
 * it like a token typed on the sign-in page and take it out of the address bar and history. Runs once,
 * before the first render; resolves whether a token was taken.
 */
export function adoptTokenFromFragment(): boolean {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('token');
  if (!token) return false;
  setToken(token);
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
  return true;
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
