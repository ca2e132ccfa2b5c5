import { useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import { useApi } from '../api/queries';
import type { AuthMethods, Me } from '../api/types';
import { setToken } from '../lib/session';

/** Where to go after signing in: a same-origin path only. */
const safeNext = (next: string | null) => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/');

/**
 * Sign in with an API token (kept in this browser's localStorage; checked against `GET /api/v2/me` before it
 * is stored), or, where `GET /api/v2/slipway/auth-methods` says GitHub is configured, with GitHub: the
 * server's OAuth flow ends on a UI address whose fragment carries a new token (see `adoptTokenFromFragment`).
 */
export function SignInPage() {
  const [, navigate] = useLocation();
  const search = new URLSearchParams(useSearch());
  const queryClient = useQueryClient();
  const [token, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const methods = useApi<AuthMethods>('/api/v2/slipway/auth-methods', { staleTime: Infinity, retry: false });
  const github = methods.data?.github;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('/api/v2/me', { token: token.trim() });
      setToken(token.trim());
      queryClient.clear();
      queryClient.setQueryData(['/api/v2/me'], me);
      navigate(safeNext(search.get('next')));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? `That token was not accepted: ${err.message}` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <div className="panel">
        <h1>Sign in to Slipway</h1>
        {github && (
          <p>
            <a className="btn primary" href={`${github.start_url}?next=${encodeURIComponent(safeNext(search.get('next')))}`}>
              Sign in with GitHub
            </a>
          </p>
        )}
        <p className="muted">
          {github ? 'Or paste' : 'Paste'} an API token: the one <code>slipway dev</code> printed when it started, or a personal API token. It is sent as the{' '}
          <code>Circle-Token</code> header and kept in this browser only.
        </p>
        <form onSubmit={submit}>
          <label>
            API token
            <input type="password" name="token" autoComplete="current-password" autoFocus required value={token} onChange={(e) => setValue(e.target.value)} />
          </label>
          {error && (
            <div className="state error" role="alert">
              {error}
            </div>
          )}
          <button className="primary" type="submit" disabled={busy || !token.trim()}>
            {busy ? 'Checking…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
