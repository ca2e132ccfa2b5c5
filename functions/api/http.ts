import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { User } from '../../shared/model/entities';
import { SlipwayError, ValidationError } from '../../shared/model/errors';
import type { ControlPlaneDeps } from '../../shared/services/deps';

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  rawBody: string;
  /** Parsed JSON body (`undefined` when empty); malformed JSON is rejected with 400 before routing. */
  body: unknown;
  /** Where the request came from (API Gateway's request context), for the audit log. */
  source?: { ip: string | null; requestId: string | null; userAgent: string | null };
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
  /** `Set-Cookie` values (API Gateway v2 `cookies`). */
  cookies?: string[];
}

export interface RouteContext {
  deps: ControlPlaneDeps;
  req: ApiRequest;
  /** Resolves the caller from the API token (401 when missing/invalid). */
  user(): Promise<User>;
}

export interface Route {
  method: string;
  /** Path pattern: `:name` matches one segment, `:slug` a project slug, `:number` digits (see `path-match.ts`). */
  path: string;
  handle(ctx: RouteContext): Promise<ApiResponse>;
}

export const json = (status: number, body: unknown): ApiResponse => ({ status, body });

export function parseEvent(event: APIGatewayProxyEventV2): ApiRequest {
  const raw = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  let body: unknown;
  const type = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (raw.trim() && (type.includes('json') || /^\s*[[{]/.test(raw))) {
    try {
      body = JSON.parse(raw);
    } catch (e) {
      throw new ValidationError(`Malformed JSON body: ${(e as Error).message}. Send a valid JSON document.`);
    }
  }
  const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: decodeURI(event.rawPath),
    params: {},
    query,
    // API Gateway v2 delivers cookies apart from the headers; routes read them from the `cookie` header.
    headers: event.cookies?.length
      ? { ...(event.headers ?? {}), cookie: [event.headers?.cookie, ...event.cookies].filter(Boolean).join('; ') }
      : (event.headers ?? {}),
    rawBody: raw,
    body,
    source: {
      ip: event.requestContext.http.sourceIp || null,
      requestId: event.requestContext.requestId || null,
      userAgent: event.requestContext.http.userAgent || null,
    },
  };
}

export function toResult(res: ApiResponse): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...(res.headers ?? {}) };
  const cookies = res.cookies?.length ? { cookies: res.cookies } : {};
  if (res.text !== undefined)
    return { statusCode: res.status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: res.text, ...cookies };
  if (res.body === undefined) return { statusCode: res.status, headers, ...cookies };
  return { statusCode: res.status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(res.body), ...cookies };
}

/** A cookie's value from the request's `cookie` header. */
export function cookieValue(headers: Record<string, string | undefined>, name: string): string | undefined {
  const header = Object.entries(headers).find(([k]) => k.toLowerCase() === 'cookie')?.[1] ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** Maps any error to CircleCI's `{ "message": ... }` body; unexpected errors become a 500 without internals. */
export function errorResult(e: unknown, log: (msg: string, err: unknown) => void): APIGatewayProxyStructuredResultV2 {
  if (e instanceof SlipwayError) return toResult(json(e.status, { message: e.message }));
  log('unhandled API error', e);
  return toResult(json(500, { message: 'Internal error. The request was not completed; it is safe to retry.' }));
}
