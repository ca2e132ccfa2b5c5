import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSpecValidator } from './spec-validator';

export interface CheckingProxy {
  url: string;
  /** Every API v2 response that did not match the spec, with the request that got it. */
  violations: string[];
  /** Every request that went through (`METHOD /path -> status`), in order. */
  calls: string[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of `slipway dev` for clients we do not control (npm packages): it forwards every
 * request as is and validates every `/api/v2/` response against the CircleCI OpenAPI spec on the way back.
 */
export async function startCheckingProxy(target: string): Promise<CheckingProxy> {
  const validator = loadSpecValidator();
  const violations: string[] = [];
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers, body, redirect: 'manual' });
        const text = Buffer.from(await upstream.arrayBuffer());
        const path = (req.url ?? '').split('?')[0];
        calls.push(`${req.method} ${path} -> ${upstream.status}`);
        if (validator && path.startsWith('/api/v2/') && (upstream.headers.get('content-type') ?? '').includes('json')) {
          // The spec's templates match slugs with plain slashes; clients may escape them (`gh%2Facme%2Fdemo`).
          const plain = path.split('/').map(decodeURIComponent).join('/');
          const problems = validator.check(req.method ?? 'GET', plain, upstream.status, JSON.parse(text.toString('utf8')));
          if (problems?.length) violations.push(`${req.method} ${req.url}: ${problems.join('; ')}`);
        }
        const out: Record<string, string> = {};
        upstream.headers.forEach((v, k) => {
          if (!['content-encoding', 'transfer-encoding', 'content-length', 'connection'].includes(k)) out[k] = v;
        });
        res.writeHead(upstream.status, out).end(text);
      } catch (e) {
        res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `proxy: ${(e as Error).message}` }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    violations,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
