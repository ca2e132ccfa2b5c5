import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import { useApi, useMe } from '../api/queries';
import { CredentialList } from '../components/credential-list';
import { ErrorState } from '../components/states';
import { timeAgo } from '../lib/format';
import { useEndSession } from '../components/layout';
import { getToken } from '../lib/session';

interface TokenRow {
  id: string;
  label: string;
  created_at: string;
}

/** The id the API gives this browser's token (the start of its SHA-256), where the browser can hash (secure contexts). */
function useCurrentTokenId(): string | undefined {
  const [id, setId] = useState<string>();
  useEffect(() => {
    const token = getToken();
    if (!token || !globalThis.crypto?.subtle) return;
    void crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)).then((d) =>
      setId(
        [...new Uint8Array(d)]
          .map((b) => b.toString(16).padStart(2, '0'))
          .join('')
          .slice(0, 16),
      ),
    );
  }, []);
  return id;
}

function TokensIntro() {
  return (
    <>
      <h1>Personal API tokens</h1>
      <p className="muted">
        A token acts as you in the API and the <code>circleci</code>/<code>slipway</code> CLIs (<code>Circle-Token</code> header). It is shown once, when it is
        created; revoking it takes effect at once.
      </p>
    </>
  );
}

/** The signed-in user's personal API tokens: create one (shown once), list them without secrets, revoke any. */
export function UserTokensPage() {
  const me = useMe();
  const userId = me.data?.id;
  const path = userId ? `/api/v2/slipway/users/${encodeURIComponent(userId)}/tokens` : null;
  const tokens = useApi<{ items: TokenRow[] }>(path);
  const queryClient = useQueryClient();
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<{ token: string; label: string } | null>(null);
  const current = useCurrentTokenId();
  const endSession = useEndSession();
  const refresh = () => queryClient.invalidateQueries({ queryKey: [path] });
  const create = useMutation<{ token: string; label: string }, ApiError>({
    mutationFn: () => api(path!, { method: 'POST', body: { label: label.trim() || 'api' } }),
    onSuccess: (t) => {
      setCreated(t);
      setLabel('');
      return refresh();
    },
  });
  const revoke = useMutation<unknown, ApiError, string>({
    mutationFn: (id) => api(`${path}/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: (_r, id) => {
      // This browser's own token no longer works: that is a sign-out.
      return id === current ? endSession() : refresh();
    },
  });
  const submit = (e: FormEvent) => (e.preventDefault(), create.mutate());
  return (
    <>
      <TokensIntro />
      <section className="panel" aria-label="New token">
        <form onSubmit={submit} className="row">
          <label>
            Label <input name="label" value={label} maxLength={100} onChange={(e) => setLabel(e.target.value)} placeholder="laptop" />
          </label>
          <button type="submit" disabled={!path || create.isPending}>
            Create token
          </button>
        </form>
        {created && (
          <p role="status">
            New token “{created.label}”: <code data-testid="new-token">{created.token}</code> — copy it now, it is not shown again.
          </p>
        )}
        {create.isError && <ErrorState error={create.error} what="Creating the token" />}
      </section>
      <CredentialList
        label="Tokens"
        query={tokens}
        what="Your tokens"
        emptyTitle="No tokens listed."
        headers={['Label', 'Id', 'Created']}
        rows={(page) =>
          page.items.map((t) => ({
            key: t.id,
            attrs: { 'data-token': t.id },
            cells: [
              <>
                {t.label}
                {t.id === current && <span className="muted"> (this browser)</span>}
              </>,
              t.id,
              timeAgo(t.created_at),
            ],
            action: {
              label: t.id === current ? 'Revoke and sign out' : 'Revoke',
              ariaLabel: `Revoke ${t.label} (${t.id})${t.id === current ? ' and sign out' : ''}`,
              onClick: () => revoke.mutate(t.id),
            },
          }))
        }
        busy={revoke.isPending}
        actionError={revoke.isError ? revoke.error : undefined}
        actionWhat="Revoking the token"
      />
    </>
  );
}
