import { useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import type { Me } from '../api/types';
import { setToken } from '../lib/session';

/**
 * Sign in with an API token (kept in this browser's localStorage). The token is checked against
 * `GET /api/v2/me` before it is stored. Sign-in with GitHub (OAuth) for deployed installations is not part
 * of this page yet.
 */
export function SignInPage() {
  const [, navigate] = useLocation();
  const search = new URLSearchParams(useSearch());
  const queryClient = useQueryClient();
  const [token, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('/api/v2/me', { token: token.trim() });
      setToken(token.trim());
      queryClient.clear();
      queryClient.setQueryData(['/api/v2/me'], me);
      const next = search.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
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
        <p className="muted">
          Paste an API token: the one <code>slipway dev</code> printed when it started, or a personal API token. It is
          sent as the <code>Circle-Token</code> header and kept in this browser only.
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
