import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import { useApi } from '../api/queries';
import type { Context, Page } from '../api/types';
import { Empty, ErrorState, QueryView } from '../components/states';
import { timeAgo } from '../lib/format';
import { VariableForm } from '../components/variable-form';

interface ContextVar {
  variable: string;
  context_id: string;
  created_at?: string;
  updated_at?: string;
}

function ContextVars({ context }: { context: Context }) {
  const path = `/api/v2/context/${context.id}/environment-variable`;
  const vars = useApi<Page<ContextVar>>(path);
  const queryClient = useQueryClient();
  const put = useMutation<unknown, ApiError, { name: string; value: string }>({
    mutationFn: (v) => api(`${path}/${encodeURIComponent(v.name)}`, { method: 'PUT', body: { value: v.value } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [path] }),
  });
  return (
    <section className="panel" aria-label={`Context ${context.name}`}>
      <h2>{context.name}</h2>
      <p className="muted">Variable values are write-only: they are encrypted and never shown again.</p>
      <QueryView query={vars} what="Context variables">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No variables in this context." />
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Updated</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((v) => (
                  <tr key={v.variable}>
                    <td className="mono">{v.variable}</td>
                    <td className="muted">{timeAgo(v.updated_at ?? v.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
      <VariableForm label="Add context variable" busy={put.isPending} onSubmit={(name, value) => put.mutateAsync({ name, value })} />
      {put.isError && <ErrorState error={put.error} what="The change" />}
    </section>
  );
}

export function ContextsPage({ params }: { params: { vcs: string; org: string } }) {
  const org = `${params.vcs}/${params.org}`;
  const path = `/api/v2/context?owner-slug=${encodeURIComponent(org)}&owner-type=organization`;
  const contexts = useApi<Page<Context>>(path);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState('');
  const queryClient = useQueryClient();
  const create = useMutation<Context, ApiError>({
    mutationFn: () => api<Context>('/api/v2/context', { method: 'POST', body: { name: name.trim(), owner: { slug: org, type: 'organization' } } }),
    onSuccess: (c) => {
      setName('');
      setSelected(c.id);
      return queryClient.invalidateQueries({ queryKey: [path] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <>
      <div className="crumbs">
        <Link href="/">Projects</Link> / <span>{params.org}</span> / <span>Contexts</span>
      </div>
      <div className="head">
        <div>
          <h1>Contexts</h1>
          <span className="muted">Shared environment variables for the jobs of {params.org}.</span>
        </div>
        <form className="row" onSubmit={submit} aria-label="Create context">
          <input aria-label="Context name" placeholder="Context name" value={name} onChange={(e) => setName(e.target.value)} required />
          <button type="submit" disabled={create.isPending}>
            Create context
          </button>
        </form>
      </div>
      {create.isError && <ErrorState error={create.error} what="The new context" />}
      <QueryView query={contexts} what="Contexts">
        {(page) => {
          if (page.items.length === 0) return <Empty title={`${params.org} has no contexts yet.`} />;
          const current = page.items.find((c) => c.id === selected);
          return (
            <div className="grid2">
              <section className="panel" aria-label="Context list">
                <ul className="plain">
                  {page.items.map((c) => (
                    <li key={c.id} className="row">
                      <button className="grow" aria-pressed={c.id === selected} onClick={() => setSelected(c.id)} style={{ justifyContent: 'flex-start' }}>
                        {c.name}
                      </button>
                      <span className="muted">created {timeAgo(c.created_at)}</span>
                    </li>
                  ))}
                </ul>
              </section>
              {current ? <ContextVars context={current} /> : <Empty title="Select a context to see its variables." />}
            </div>
          );
        }}
      </QueryView>
    </>
  );
}
