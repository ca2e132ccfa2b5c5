import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ApiError } from '../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      Loading {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/**
 * An API error as the API worded it. An endpoint this Slipway does not provide is an honest empty state
 * ("not available"), not an error: the page still works without it.
 */
export function ErrorState({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.unavailable) {
    return (
      <div className="state" data-state="unavailable">
        <strong>{what} are not available on this Slipway server.</strong>
        <span className="mono">
          {error.method} {error.path.split('?')[0]}
        </span>{' '}
        answered: {error.message}
      </div>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert" data-state="error">
      <strong>Could not load {what.toLowerCase()}.</strong>
      {message}
      {error instanceof ApiError && error.status === 401 && (
        <>
          {' '}
          <a href="/signin">Sign in again</a>.
        </>
      )}
    </div>
  );
}

/** Renders a query's loading and error states, or its data through `children`. */
export function QueryView<T>({ query, what, children }: { query: UseQueryResult<T, ApiError>; what: string; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading what={what.toLowerCase()} />;
  if (query.isError) return <ErrorState error={query.error} what={what} />;
  return <>{children(query.data)}</>;
}
