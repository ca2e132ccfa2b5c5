import { getToken } from '../lib/session';

/** An HTTP error from the Slipway API, carrying the API's own `message`. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /**
   * True when this Slipway has no such endpoint at all (the router answers "No route for ..." or 405), as
   * opposed to a missing resource. The UI shows an "not available" empty state rather than an error then.
   */
  get unavailable(): boolean {
    return (this.status === 404 && this.message.startsWith('No route for ')) || this.status === 405 || this.status === 501;
  }
}

/** Calls the public API with the stored `Circle-Token`; resolves parsed JSON, rejects with `ApiError`. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const token = init.token ?? getToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers['Circle-Token'] = token;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  } catch (e) {
    throw new ApiError(`Could not reach the Slipway API (${(e as Error).message}). Is the server running?`, 0, method, path);
  }
  return parseResponse<T>(res, method, path);
}

/** Fetches an absolute, pre-signed URL (a step's `output_url`) without the API token. */
export async function fetchSigned<T>(url: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new ApiError(`Could not fetch ${url}: ${(e as Error).message}`, 0, 'GET', url);
  }
  return parseResponse<T>(res, 'GET', url);
}

async function parseResponse<T>(res: Response, method: string, path: string): Promise<T> {
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) {
    const message =
      body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string'
        ? (body as { message: string }).message
        : `${method} ${path} answered HTTP ${res.status}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}`;
    throw new ApiError(message, res.status, method, path);
  }
  return body as T;
}

/** Encodes a project slug (`gh/org/repo`) for a path: each segment encoded, slashes kept, as the API expects. */
export const slugPath = (slug: string) => slug.split('/').map(encodeURIComponent).join('/');
