import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ApiError } from '../api/client';
import { Empty, ErrorState, QueryView } from './states';

/** One credential (a token, an SSH key): its cells and the one action it offers (revoke, delete). */
export interface CredentialRow {
  key: string;
  /** Extra attributes for the row (tests find rows by them, e.g. `data-token`). */
  attrs: Record<string, string>;
  cells: ReactNode[];
  action: { label: string; ariaLabel: string; onClick: () => void };
}

/**
 * The list half of the user's credential pages (API tokens, SSH keys): a panel with a table of credentials, an
 * empty state, and the error of the last action.
 */
export function CredentialList<T>(props: {
  label: string;
  query: UseQueryResult<T, ApiError>;
  what: string;
  emptyTitle: string;
  headers: string[];
  rows: (data: T) => CredentialRow[];
  busy: boolean;
  actionError: unknown;
  actionWhat: string;
}) {
  return (
    <section className="panel" aria-label={props.label}>
      <QueryView query={props.query} what={props.what}>
        {(data) => {
          const rows = props.rows(data);
          if (rows.length === 0) return <Empty title={props.emptyTitle} />;
          return (
            <table>
              <thead>
                <tr>
                  {props.headers.map((h) => (
                    <th key={h}>{h}</th>
                  ))}
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key} {...r.attrs}>
                    {r.cells.map((c, i) => (
                      <td key={i} className={i === 1 ? 'mono' : i === 2 ? 'muted' : undefined}>
                        {c}
                      </td>
                    ))}
                    <td>
                      <button className="small" disabled={props.busy} onClick={r.action.onClick} aria-label={r.action.ariaLabel}>
                        {r.action.label}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </QueryView>
      {props.actionError ? <ErrorState error={props.actionError} what={props.actionWhat} /> : null}
    </section>
  );
}
