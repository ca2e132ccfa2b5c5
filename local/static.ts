import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { slipwayRoot } from './root';

const WEB_ROOT = join(slipwayRoot(), 'web', 'dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** Serves the built web UI (`web/dist`), with `index.html` for client-side routes. */
export function serveStatic(req: IncomingMessage, res: ServerResponse): void {
  const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
  const file = normalize(join(WEB_ROOT, path));
  if (!file.startsWith(WEB_ROOT)) {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Bad path.' }));
    return;
  }
  const target = existsSync(file) && statSync(file).isFile() ? file : join(WEB_ROOT, 'index.html');
  if (!existsSync(target)) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('The web UI is not built. Run `npm run build:web`, or use the API at /api/v2.\n');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
  createReadStream(target).pipe(res);
}
