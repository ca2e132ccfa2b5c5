import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import { useApi } from '../api/queries';
import { CredentialList } from '../components/credential-list';
import { ErrorState } from '../components/states';
import { timeAgo } from '../lib/format';

interface SshKeyRow {
  title: string;
  public_key: string;
  fingerprint: string;
  created_at: string;
}

const PATH = '/api/v2/slipway/me/ssh-keys';

/** The signed-in user's SSH public keys: what "Rerun job with SSH" lets connect (with write access to the project). */
export function UserSshKeysPage() {
  const keys = useApi<{ items: SshKeyRow[] }>(PATH);
  const queryClient = useQueryClient();
  const [title, setTitle] = useState('');
  const [key, setKey] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: [PATH] });
  const add = useMutation<SshKeyRow, ApiError>({
    mutationFn: () => api(PATH, { method: 'POST', body: { key: key.trim(), ...(title.trim() && { title: title.trim() }) } }),
    onSuccess: () => {
      setTitle('');
      setKey('');
      return refresh();
    },
  });
  const remove = useMutation<unknown, ApiError, string>({
    mutationFn: (fingerprint) => api(`${PATH}/${encodeURIComponent(fingerprint)}`, { method: 'DELETE' }),
    onSuccess: () => refresh(),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <>
      <h1>SSH keys</h1>
      <p className="muted">
        A job rerun with SSH accepts the public keys registered here by users with write access to its project. Paste a public key (the
        <code>.pub</code> file), never a private key.
      </p>
      <section className="panel" aria-label="New SSH key">
        <form onSubmit={submit}>
          <div className="row">
            <label>
              Title <input name="title" value={title} maxLength={100} onChange={(e) => setTitle(e.target.value)} placeholder="laptop" />
            </label>
          </div>
          <label>
            Public key
            <textarea
              name="key"
              rows={3}
              value={key}
              onChange={(e) => setKey(e.target.value)}
              placeholder="ssh-ed25519 AAAA... you@host"
              style={{ width: '100%' }}
            />
          </label>
          <button type="submit" disabled={!key.trim() || add.isPending}>
            Add SSH key
          </button>
        </form>
        {add.isError && <ErrorState error={add.error} what="Adding the key" />}
      </section>
      <CredentialList
        label="SSH keys"
        query={keys}
        what="Your SSH keys"
        emptyTitle="No SSH keys registered."
        headers={['Title', 'Fingerprint', 'Added']}
        rows={(page) =>
          page.items.map((k) => ({
            key: k.fingerprint,
            attrs: { 'data-ssh-key': k.fingerprint },
            cells: [k.title, k.fingerprint, timeAgo(k.created_at)],
            action: { label: 'Delete', ariaLabel: `Delete ${k.title} (${k.fingerprint})`, onClick: () => remove.mutate(k.fingerprint) },
          }))
        }
        busy={remove.isPending}
        actionError={remove.isError ? remove.error : undefined}
        actionWhat="Deleting the key"
      />
    </>
  );
}
