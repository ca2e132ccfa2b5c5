import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import { useApi } from '../api/queries';
import type { Page, Webhook, WebhookDelivery } from '../api/types';
import { Empty, ErrorState, QueryView } from './states';
import { timeAgo } from '../lib/format';

const EVENTS = ['workflow-completed', 'job-completed'] as const;

interface Draft {
  name: string;
  url: string;
  events: string[];
  verifyTls: boolean;
  secret: string;
}

/** Create or edit form; on edit an empty secret keeps the current one. */
function WebhookForm({
  initial,
  label,
  onSubmit,
  onCancel,
}: {
  initial?: Webhook;
  label: string;
  onSubmit: (d: Draft) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const [d, setD] = useState<Draft>({
    name: initial?.name ?? '',
    url: initial?.url ?? '',
    events: initial?.events ?? [...EVENTS],
    verifyTls: initial?.['verify-tls'] ?? true,
    secret: '',
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(d).then(
      () => !initial && setD({ name: '', url: '', events: [...EVENTS], verifyTls: true, secret: '' }),
      () => undefined,
    );
  };
  return (
    <form className="row" onSubmit={submit} aria-label={label} style={{ marginTop: 12, alignItems: 'flex-end', flexWrap: 'wrap' }}>
      <label>
        Webhook name
        <input value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} required />
      </label>
      <label>
        Receiver URL
        <input type="url" value={d.url} onChange={(e) => setD({ ...d, url: e.target.value })} required placeholder="https://example.com/hooks/circleci" />
      </label>
      <label>
        Secret token
        <input
          type="password"
          value={d.secret}
          onChange={(e) => setD({ ...d, secret: e.target.value })}
          autoComplete="off"
          placeholder={initial ? 'unchanged' : ''}
        />
      </label>
      {EVENTS.map((ev) => (
        <label key={ev} style={{ flexDirection: 'row', alignItems: 'center' }}>
          <input
            type="checkbox"
            checked={d.events.includes(ev)}
            onChange={(e) => setD({ ...d, events: e.target.checked ? [...d.events, ev] : d.events.filter((x) => x !== ev) })}
          />
          {ev}
        </label>
      ))}
      <label style={{ flexDirection: 'row', alignItems: 'center' }}>
        <input type="checkbox" checked={d.verifyTls} onChange={(e) => setD({ ...d, verifyTls: e.target.checked })} />
        Verify TLS
      </label>
      <button type="submit">{initial ? 'Save webhook' : 'Add webhook'}</button>
      {onCancel && (
        <button type="button" className="small" onClick={onCancel}>
          Cancel
        </button>
      )}
    </form>
  );
}

function Deliveries({ id }: { id: string }) {
  const log = useApi<{ items: WebhookDelivery[] }>(`/api/v2/webhook/${id}/deliveries`);
  return (
    <QueryView query={log} what="Deliveries">
      {(page) =>
        page.items.length === 0 ? (
          <div className="muted">No deliveries yet.</div>
        ) : (
          <table aria-label="Deliveries">
            <tbody>
              {page.items.slice(0, 10).map((a) => (
                <tr key={`${a.event_id}-${a.attempt}`} data-delivery={a.event_type}>
                  <td className="mono">{a.event_type}</td>
                  <td>attempt {a.attempt}</td>
                  <td className="mono">{a.status ?? 'no response'}</td>
                  <td className="muted">{a.latency_ms} ms</td>
                  <td className="muted">{timeAgo(a.at)}</td>
                  <td className="muted">
                    {a.error ?? ''}
                    {a.will_retry ? ' (will retry)' : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </QueryView>
  );
}

/** The project's outbound webhooks: create, edit, send a test event, delete, and each one's delivery log. */
export function WebhooksPanel({ projectId }: { projectId: string | undefined }) {
  const listPath = projectId ? `/api/v2/webhook?scope-id=${encodeURIComponent(projectId)}&scope-type=project` : null;
  const webhooks = useApi<Page<Webhook>>(listPath);
  const [editing, setEditing] = useState<string>();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries();
  const change = useMutation<unknown, ApiError, { method: string; path: string; body?: unknown }>({
    mutationFn: (v) => api(v.path, { method: v.method, body: v.body }),
    onSuccess: () => refresh(),
  });
  const bodyOf = (d: Draft, edit: boolean) => ({
    name: d.name,
    url: d.url,
    events: d.events,
    'verify-tls': d.verifyTls,
    ...(edit && !d.secret ? {} : { 'signing-secret': d.secret }),
  });
  return (
    <section className="panel" aria-label="Webhooks">
      <h2>Webhooks</h2>
      {!projectId ? (
        <Empty title="Webhooks need the project's id." />
      ) : (
        <>
          <QueryView query={webhooks} what="Webhooks">
            {(page) =>
              page.items.length === 0 ? (
                <Empty title="No outbound webhooks." />
              ) : (
                <ul className="plain">
                  {page.items.map((w) => (
                    <li key={w.id} data-webhook={w.name}>
                      <strong>{w.name}</strong> <span className="mono">{w.url}</span>
                      <div className="muted">
                        {w.events.join(', ')} · TLS {w['verify-tls'] ? 'verified' : 'not verified'} · secret {w['signing-secret'] || 'none'}
                      </div>
                      <div className="row">
                        <button className="small" onClick={() => change.mutate({ method: 'POST', path: `/api/v2/webhook/${w.id}/test` })}>
                          Send test event
                        </button>
                        <button className="small" onClick={() => setEditing(editing === w.id ? undefined : w.id)}>
                          Edit
                        </button>
                        <button
                          className="small"
                          aria-label={`Delete ${w.name}`}
                          onClick={() => change.mutate({ method: 'DELETE', path: `/api/v2/webhook/${w.id}` })}
                        >
                          Delete
                        </button>
                      </div>
                      {editing === w.id && (
                        <WebhookForm
                          initial={w}
                          label={`Edit webhook ${w.name}`}
                          onCancel={() => setEditing(undefined)}
                          onSubmit={(d) =>
                            change.mutateAsync({ method: 'PUT', path: `/api/v2/webhook/${w.id}`, body: bodyOf(d, true) }).then(() => setEditing(undefined))
                          }
                        />
                      )}
                      <Deliveries id={w.id} />
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryView>
          <WebhookForm
            label="Add webhook"
            onSubmit={(d) =>
              change.mutateAsync({ method: 'POST', path: '/api/v2/webhook', body: { ...bodyOf(d, false), scope: { id: projectId, type: 'project' } } })
            }
          />
          {change.isError && <ErrorState error={change.error} what="The webhook change" />}
        </>
      )}
    </section>
  );
}
